// A source file as rules see it: UTF-8 text with LF line endings and no BOM. What was stripped is
// remembered so that writing back restores the file's own conventions byte for byte.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corofix {

class SourceFile {
 public:
  /// Reads `path`. Returns nullopt and sets `skipReason` for unreadable, binary (NUL bytes) or
  /// invalid UTF-8 files.
  static std::optional<SourceFile> load(const std::string& path, std::string& skipReason);
  /// For tests and in-memory runs: `raw` as it would be on disk.
  static SourceFile fromBytes(std::string path, std::string raw);

  const std::string& path() const { return path_; }
  /// The normalised text.
  const std::string& text() const { return text_; }
  /// `text` converted back to this file's conventions (BOM, CRLF).
  std::string toDisk(std::string_view text) const;
  /// Maps an offset in the normalised text to the offset in the file on disk.
  uint32_t diskOffset(uint32_t offset) const;
  /// The inverse: maps an offset in the file on disk (as Clang counts) to the normalised text. An
  /// offset inside the BOM maps to 0, one on a CRLF's '\r' or '\n' to that line's '\n'.
  uint32_t textOffset(uint32_t diskOffset) const;
  bool hasBom() const { return bom_; }
  bool usesCrlf() const { return crlf_; }

 private:
  std::string path_;
  std::string text_;
  bool bom_ = false;
  bool crlf_ = false;
};

/// 1-based line and column (in bytes) for offsets, and the text of a line.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  uint32_t line(uint32_t offset) const;
  uint32_t column(uint32_t offset) const;
  std::string_view lineText(uint32_t line) const;
  uint32_t lineCount() const { return static_cast<uint32_t>(starts_.size()); }

 private:
  std::string_view text_;
  std::vector<uint32_t> starts_;
};

/// `absolute` relative to the working directory when it lies under it, as outputs show paths.
std::string displayPath(const std::string& absolute);

/// Checks whether `bytes` are valid UTF-8.
bool isValidUtf8(std::string_view bytes);

/// Writes `contents` to `path` atomically (a temporary file in the same directory, then rename),
/// keeping the file's permissions. Returns an error message, or empty on success.
std::string writeFileAtomically(const std::string& path, std::string_view contents);

}  // namespace corofix
