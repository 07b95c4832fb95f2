#include "rewriter/source.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace corofix {
namespace {
constexpr std::string_view kBom = "\xEF\xBB\xBF";

/// True if every '\n' is preceded by '\r' (and there is at least one): only then is converting
/// back lossless. Mixed files are left as they are; tree-sitter treats '\r' as whitespace.
bool allLineEndingsCrlf(std::string_view text) {
  size_t lf = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') continue;
    if (i == 0 || text[i - 1] != '\r') return false;
    ++lf;
  }
  return lf > 0;
}

std::string replaceAll(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0;;) {
    size_t hit = text.find(from, pos);
    out.append(text.substr(pos, hit - pos));
    if (hit == std::string_view::npos) return out;
    out.append(to);
    pos = hit + from.size();
  }
}
}  // namespace

bool isValidUtf8(std::string_view bytes) {
  // Source is mostly ASCII: that is skipped a word at a time, and LLVM checks each other sequence.
  auto* data = reinterpret_cast<const llvm::UTF8*>(bytes.data());
  for (size_t i = 0, n = bytes.size(); i < n;) {
    uint64_t word;
    if (i + sizeof word <= n && (std::memcpy(&word, data + i, sizeof word), !(word & 0x8080808080808080ull))) {
      i += sizeof word;
    } else if (data[i] < 0x80) {
      ++i;
    } else {
      if (!llvm::isLegalUTF8Sequence(data + i, data + n)) return false;
      i += llvm::getNumBytesForUTF8(data[i]);
    }
  }
  return true;
}

SourceFile SourceFile::fromBytes(std::string path, std::string raw) {
  SourceFile file;
  file.path_ = std::move(path);
  std::string_view text = raw;
  if (text.substr(0, kBom.size()) == kBom) {
    file.bom_ = true;
    text.remove_prefix(kBom.size());
  }
  file.crlf_ = allLineEndingsCrlf(text);
  if (file.crlf_) file.text_ = replaceAll(text, "\r\n", "\n");
  else if (file.bom_) file.text_ = std::string(text);
  else file.text_ = std::move(raw);  // most files: no copy
  return file;
}

namespace {
/// The whole of the file at `path`, read straight into the string a SourceFile keeps.
std::error_code readWhole(const std::string& path, std::string& out) {
  auto file = llvm::sys::fs::openNativeFileForRead(path);
  if (!file) return llvm::errorToErrorCode(file.takeError());
  llvm::sys::fs::file_status status;
  std::error_code error = llvm::sys::fs::status(*file, status);
  // One byte more than its size, so that reading up to the end needs no second buffer; a file
  // that grows meanwhile (or has no size) is read to its end.
  size_t filled = 0;
  out.resize(error ? 0 : status.getSize() + 1);
  while (!error) {
    if (filled == out.size()) out.resize(2 * filled + 4096);
    auto read = llvm::sys::fs::readNativeFile(*file, {out.data() + filled, out.size() - filled});
    if (!read) error = llvm::errorToErrorCode(read.takeError());
    else if (*read == 0) break;
    else filled += *read;
  }
  out.resize(filled);
  llvm::sys::fs::closeFile(*file);
  return error;
}
}  // namespace

std::optional<SourceFile> SourceFile::load(const std::string& path, std::string& skipReason) {
  std::string bytes;
  if (std::error_code error = readWhole(path, bytes)) {
    skipReason = "cannot read: " + error.message();
    return std::nullopt;
  }
  if (bytes.find('\0') != std::string_view::npos) {
    skipReason = "binary file (contains NUL bytes)";
    return std::nullopt;
  }
  if (!isValidUtf8(bytes)) {
    skipReason = "not valid UTF-8";
    return std::nullopt;
  }
  return fromBytes(path, std::move(bytes));
}

std::string SourceFile::toDisk(std::string_view text) const {
  std::string out = bom_ ? std::string(kBom) : std::string();
  out += crlf_ ? replaceAll(text, "\n", "\r\n") : std::string(text);
  return out;
}

uint32_t SourceFile::diskOffset(uint32_t offset) const {
  uint32_t shift = bom_ ? kBom.size() : 0;
  if (crlf_) shift += std::count(text_.begin(), text_.begin() + std::min<size_t>(offset, text_.size()), '\n');
  return offset + shift;
}

uint32_t SourceFile::textOffset(uint32_t diskOffset) const {
  uint32_t shift = bom_ ? kBom.size() : 0;
  if (diskOffset <= shift) return 0;
  uint32_t offset = diskOffset - shift;
  if (!crlf_) return std::min<uint32_t>(offset, text_.size());
  // Each '\n' of the text stands for two bytes on disk; walk until the disk offset is reached.
  uint32_t disk = 0, text = 0;
  for (; text < text_.size(); ++text) {
    uint32_t width = text_[text] == '\n' ? 2 : 1;
    if (disk + width > offset) return text;
    disk += width;
  }
  return text;
}

std::string displayPath(const std::string& absolute) {
  llvm::SmallString<256> cwd;
  if (!llvm::sys::fs::current_path(cwd)) {
    llvm::StringRef path(absolute);
    if (path.consume_front(cwd) && path.consume_front("/")) return path.str();
  }
  return absolute;
}

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  // Built for every file a run reads: find() scans with memchr, many bytes at a time.
  for (size_t nl = text.find('\n'); nl != std::string_view::npos; nl = text.find('\n', nl + 1))
    starts_.push_back(static_cast<uint32_t>(nl + 1));
}

uint32_t LineIndex::line(uint32_t offset) const {
  return static_cast<uint32_t>(std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin());
}

uint32_t LineIndex::column(uint32_t offset) const { return offset - starts_[line(offset) - 1] + 1; }

std::string_view LineIndex::lineText(uint32_t line) const {
  if (line == 0 || line > starts_.size()) return {};
  uint32_t begin = starts_[line - 1];
  uint32_t end = line < starts_.size() ? starts_[line] - 1 : static_cast<uint32_t>(text_.size());
  return text_.substr(begin, end - begin);
}

std::string writeFileAtomically(const std::string& path, std::string_view contents) {
  // Renaming over a read-only file would succeed; respect the user's protection instead.
  // (root may write anything, so the permission bits decide).
  auto permissions = llvm::sys::fs::getPermissions(path);
  constexpr auto kAnyWrite = llvm::sys::fs::all_write;
  if (permissions && ((*permissions & kAnyWrite) == 0 ||
                      llvm::sys::fs::access(path, llvm::sys::fs::AccessMode::Write)))
    return "the file is read-only; not written";
  llvm::SmallString<256> model(path);
  model += ".coro-fix-%%%%%%";
  int fd = -1;
  llvm::SmallString<256> temp;
  if (auto error = llvm::sys::fs::createUniqueFile(model, fd, temp))
    return "cannot create a temporary file beside it: " + error.message();
  {
    llvm::raw_fd_ostream out(fd, /*shouldClose=*/true);
    out << contents;
    out.close();
    if (out.has_error()) {
      std::string message = "cannot write: " + out.error().message();
      out.clear_error();
      llvm::sys::fs::remove(temp);
      return message;
    }
  }
  if (permissions) llvm::sys::fs::setPermissions(temp, *permissions);
  if (auto error = llvm::sys::fs::rename(temp, path)) {
    llvm::sys::fs::remove(temp);
    return "cannot replace the file: " + error.message();
  }
  return {};
}

}  // namespace corofix
