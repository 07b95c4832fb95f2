#include "rewriter/project.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <unordered_map>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "rewriter/rust_analysis.h"
#include "rewriter/syntax.h"

namespace corofix {
namespace {

/// The few Cargo.toml facts we need, read line by line (a full TOML parser would be overkill:
/// `edition` is always a plain key in `[package]` or `[workspace.package]`).
struct Manifest {
  bool exists = false;
  bool isWorkspace = false;
  std::string edition;             // [package] edition = "…"
  bool editionFromWorkspace = false;  // edition.workspace = true / edition = { workspace = true }
  std::string workspaceEdition;    // [workspace.package] edition
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string quotedValue(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
    size_t close = value.find(value.front(), 1);
    if (close != std::string_view::npos) return std::string(value.substr(1, close - 1));
  }
  return {};
}

Manifest readManifest(const std::string& path) {
  Manifest m;
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) return m;
  m.exists = true;
  std::string_view text = (*buffer)->getBuffer(), section;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    std::string_view line = trim(text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '[') {
      section = trim(line.substr(1, line.find(']') - 1));
      m.isWorkspace |= section == "workspace";
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (section == "package" && key == "edition") {
      if (value.find("workspace") != std::string_view::npos) m.editionFromWorkspace = true;
      else m.edition = quotedValue(value);
    } else if (section == "package" && key == "edition.workspace") {
      m.editionFromWorkspace = value == "true";
    } else if (section == "workspace.package" && key == "edition") {
      m.workspaceEdition = quotedValue(value);
    }
  }
  return m;
}

/// Manifests are read once per directory per run.
class ManifestCache {
 public:
  const Manifest& at(const std::string& dir) {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(dir);
    if (it == cache_.end()) {
      llvm::SmallString<256> path(dir);
      llvm::sys::path::append(path, "Cargo.toml");
      it = cache_.emplace(dir, readManifest(std::string(path))).first;
    }
    return it->second;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, Manifest> cache_;
};

ManifestCache& manifests() {
  static ManifestCache cache;
  return cache;
}

std::string absoluteDir(std::string_view file) {
  llvm::SmallString<256> path(file);
  llvm::sys::fs::make_absolute(path);
  llvm::sys::path::remove_dots(path, /*remove_dot_dot=*/true);
  return std::string(llvm::sys::path::parent_path(path));
}

/// Walks up from `dir` to the first directory whose Cargo.toml satisfies `accept`; "" if none.
template <typename Accept>
std::string findManifestDir(std::string dir, Accept accept) {
  for (; !dir.empty(); dir = std::string(llvm::sys::path::parent_path(dir))) {
    const Manifest& m = manifests().at(dir);
    if (m.exists && accept(m)) return dir;
    if (llvm::sys::path::parent_path(dir) == dir) break;
  }
  return {};
}

Edition parseEdition(const std::string& text, Edition fallback) {
  if (text == "2015") return Edition::E2015;
  if (text == "2018") return Edition::E2018;
  if (text == "2021") return Edition::E2021;
  if (text == "2024") return Edition::E2024;
  return fallback;
}

bool isIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string location(std::string_view path, uint32_t line0) { return std::string(path) + ":" + std::to_string(line0 + 1); }

/// `fn f() -> impl Future { async move { .. } }`: calling it only builds the future.
bool buildsOnlyAnAsyncBlock(const rust::Function& f) {
  return f.body && rust::blockItems(f.body).size() == 1 && rust::blockTail(f.body).is("async_block");
}

/// The callee of `fn f(..) -> impl Future<..> { g(pure..) }`, or "" if the body is anything else.
std::string forwardedCallee(const rust::Function& f) {
  if (!f.body || !f.returnType || f.returnType.text().find("Future") == std::string_view::npos ||
      rust::blockItems(f.body).size() != 1)
    return {};
  Node call = rust::blockTail(f.body);
  if (!call.is("call_expression")) return {};
  Node callee = call.field("function");
  if (callee.is("generic_function")) callee = callee.field("function");
  std::string name;
  if (callee.is("field_expression")) {
    if (!rust::isPure(callee.field("value"))) return {};
    name = std::string(callee.field("field").text());
  } else if (callee.is("identifier") || callee.is("scoped_identifier")) {
    name = std::string(callee.text());
  } else {
    return {};
  }
  for (Node argument : call.field("arguments").namedChildren())
    if (!rust::isPure(argument)) return {};
  return name;
}

}  // namespace

Edition editionFor(std::string_view file) {
  std::string package = findManifestDir(absoluteDir(file), [](const Manifest&) { return true; });
  if (package.empty()) return Edition::E2021;
  const Manifest& m = manifests().at(package);
  if (!m.editionFromWorkspace) return parseEdition(m.edition, Edition::E2015);
  std::string parent = std::string(llvm::sys::path::parent_path(package));
  std::string workspace = findManifestDir(parent, [](const Manifest& w) { return w.isWorkspace; });
  if (package != workspace && m.isWorkspace) workspace = package;
  if (workspace.empty()) return Edition::E2015;
  return parseEdition(manifests().at(workspace).workspaceEdition, Edition::E2015);
}

std::string projectRootFor(std::string_view file) {
  std::string dir = absoluteDir(file);
  std::string package = findManifestDir(dir, [](const Manifest&) { return true; });
  if (package.empty()) return dir;
  std::string workspace = findManifestDir(package, [](const Manifest& m) { return m.isWorkspace; });
  return workspace.empty() ? package : workspace;
}

void CalleeIndex::add(std::string name, Definition definition) {
  std::lock_guard lock(mutex_);
  definitions_[std::move(name)].push_back(std::move(definition));
}

void CalleeIndex::addParsedFile(std::string_view path, const SyntaxTree& tree) {
  walk(tree.root(), [&](Node n) {
    if (n.is("function_signature_item")) {  // a trait's fn without a default body
      bool isAsync = false;
      for (Node c : n.namedChildren())
        if (c.is("function_modifiers")) isAsync = c.text().find("async") != std::string_view::npos;
      std::string name(n.field("name").text());
      add(name, isAsync ? Definition{Laziness::Lazy, "`" + name + "` is a trait `async fn` (" + location(path, n.line()) + ")"}
                        : Definition{Laziness::Eager, "`" + name + "` is a trait fn whose impls may do work when called (" +
                                                          location(path, n.line()) + ")"});
      return false;
    }
    auto f = rust::asFunction(n);
    // Only items are callable from elsewhere: descend through modules, impls and traits, not bodies.
    if (!f) return n.is("source_file") || n.is("mod_item") || n.is("declaration_list") || n.is("impl_item") ||
                   n.is("trait_item");
    std::string name(f->name.text());
    if (f->isAsync)
      add(name, {Laziness::Lazy, "`" + name + "` is an `async fn` (" + location(path, n.line()) + ")"});
    else if (buildsOnlyAnAsyncBlock(*f))
      add(name, {Laziness::Lazy, "`" + name + "` only builds an `async` block (" + location(path, n.line()) + ")"});
    else if (std::string callee = forwardedCallee(*f); !callee.empty())
      add(name, {Laziness::Unknown, "`" + name + "` returns `" + callee + "`'s future (" + location(path, n.line()) + ")",
                 callee});
    else
      add(name, {Laziness::Eager, "`" + name + "` is a plain fn that may do work when called (" +
                                      location(path, n.line()) + ")"});
    return false;
  });
}

void CalleeIndex::addUnparsedFile(std::string_view path, std::string_view text, uint32_t begin, uint32_t end) {
  end = std::min<size_t>(end, text.size());
  uint32_t line = std::count(text.begin(), text.begin() + std::min<size_t>(begin, text.size()), '\n');
  for (size_t i = begin; i + 3 < end; ++i) {
    if (text[i] == '\n') ++line;
    if (text.compare(i, 3, "fn ") != 0 || (i > 0 && isIdentChar(text[i - 1]))) continue;
    size_t begin = i + 3, end = begin;
    while (end < text.size() && isIdentChar(text[end])) ++end;
    if (end == begin) continue;
    std::string name(text.substr(begin, end - begin));
    add(name, {Laziness::Eager, "`" + name + "` is a plain fn that may do work when called (" + location(path, line) + ")"});
  }
}

CalleeResolution CalleeIndex::resolve(std::string_view path) const {
  std::lock_guard lock(mutex_);
  return resolve(path, 0);
}

CalleeResolution CalleeIndex::resolve(std::string_view path, unsigned depth) const {
  std::string_view name = path.substr(path.rfind("::") == std::string_view::npos ? 0 : path.rfind("::") + 2);
  auto it = definitions_.find(name);
  if (it == definitions_.end()) {
    bool stdPath = path.substr(0, 14) == "core::future::" || path.substr(0, 13) == "std::future::" || path == name;
    if (stdPath && (name == "ready" || name == "pending" || name == "poll_fn"))
      return {Laziness::Lazy, "`" + std::string(path) + "` is std's lazy future constructor"};
    return {Laziness::Unknown, "`" + std::string(path) + "` is not defined in the indexed workspace, so whether it "
                               "does work when called is unknown"};
  }
  std::vector<Definition> defs = it->second;  // files are indexed in parallel: sort for stable messages
  constexpr unsigned kMaxForwarding = 8;  // a chain of forwarders, or a cycle
  for (auto& d : defs) {
    if (d.forwardsTo.empty()) continue;
    CalleeResolution target = depth < kMaxForwarding ? resolve(d.forwardsTo, depth + 1)
                                                     : CalleeResolution{Laziness::Unknown, "forwarding too deep"};
    d.laziness = target.laziness == Laziness::Lazy ? Laziness::Lazy : Laziness::Unknown;
    d.reason += ", and " + target.reason;
  }
  std::sort(defs.begin(), defs.end(), [](const auto& a, const auto& b) { return a.reason < b.reason; });
  for (const auto& d : defs)
    if (d.laziness != defs.front().laziness)
      return {Laziness::Unknown, "`" + std::string(name) + "` has " + std::to_string(defs.size()) +
                                     " definitions that differ: " + defs.front().reason + "; " + d.reason};
  return {defs.front().laziness, defs.front().reason};
}

namespace {

/// The first segment of a path or `use` tree (`tokio` in `tokio::time::{sleep, timeout}`); empty
/// for a global path (`::tokio::spawn`) or a bare `use {..}` list.
std::string_view firstSegment(Node path) {
  while (path.is("scoped_identifier") || path.is("scoped_use_list") || path.is("use_as_clause") ||
         path.is("use_wildcard")) {
    Node inner = path.is("use_wildcard") ? path.namedChild(0) : path.field("path");
    if (!inner) return "";
    path = inner;
  }
  return path.is("use_list") ? "" : path.text();
}

/// The names a `use` tree brings into scope (`b` and `t` for `a::{b, c as t}`), and whether it is a glob.
void importedNames(Node tree, std::vector<std::string_view>& names, bool& glob) {
  if (tree.is("use_wildcard")) glob = true;
  else if (tree.is("use_as_clause")) names.push_back(tree.field("alias").text());
  else if (tree.is("scoped_identifier")) names.push_back(tree.field("name").text());
  else if (tree.is("identifier")) names.push_back(tree.text());
  else if (tree.is("scoped_use_list")) importedNames(tree.field("list"), names, glob);
  else if (tree.is("use_list"))
    for (Node item : tree.namedChildren()) importedNames(item, names, glob);
}

}  // namespace

PathOrigins::PathOrigins(const SyntaxTree& tree) {
  std::vector<Node> uses;
  walk(tree.root(), [&](Node n) {
    if (n.is("use_declaration")) {
      uses.push_back(n);
      return false;
    }
    if (n.is("extern_crate_declaration")) {
      Node alias = n.field("alias") ? n.field("alias") : n.field("name");
      imported_[std::string(alias.text())] = Origin::OtherCrate;
      return false;
    }
    for (std::string_view kind : {"mod_item", "struct_item", "enum_item", "union_item", "trait_item", "type_item",
                                  "function_item"})
      if (n.is(kind) && n.field("name")) declared_.emplace_back(n.field("name").text());
    return true;
  });
  for (Node use : uses) {  // after the walk: a `use` may name a module declared below it
    Node argument = use.field("argument");
    Origin origin = ofRoot(firstSegment(argument));
    std::vector<std::string_view> names;
    bool glob = false;
    importedNames(argument, names, glob);
    externalGlob_ |= glob && origin == Origin::OtherCrate;
    for (std::string_view name : names) {
      auto [it, fresh] = imported_.emplace(std::string(name), origin);
      if (!fresh && origin == Origin::OtherCrate) it->second = origin;  // when unsure, another crate
    }
  }
}

PathOrigins::Origin PathOrigins::ofRoot(std::string_view root) const {
  if (root.empty()) return Origin::OtherCrate;  // `::tokio::spawn`
  if (root == "crate" || root == "self" || root == "super" || root == "Self") return Origin::ThisCrate;
  if (root == "std" || root == "core" || root == "alloc") return Origin::Std;
  if (auto it = imported_.find(root); it != imported_.end()) return it->second;
  if (std::find(declared_.begin(), declared_.end(), root) != declared_.end()) return Origin::ThisCrate;
  return Origin::OtherCrate;  // an extern crate name (edition 2018 and later)
}

PathOrigins::Origin PathOrigins::of(std::string_view path) const {
  size_t colons = path.find("::");
  if (colons != std::string_view::npos) return ofRoot(path.substr(0, colons));
  if (auto it = imported_.find(path); it != imported_.end()) return it->second;
  if (std::find(declared_.begin(), declared_.end(), path) != declared_.end()) return Origin::ThisCrate;
  return externalGlob_ ? Origin::OtherCrate : Origin::ThisCrate;
}

CalleeResolution FileContext::resolve(std::string_view name) const {
  if (!callees) return {Laziness::Unknown, "no callee index"};
  PathOrigins::Origin origin = origins ? origins->of(name) : PathOrigins::Origin::ThisCrate;
  if (origin == PathOrigins::Origin::OtherCrate)
    return {Laziness::Unknown, "`" + std::string(name) + "` comes from another crate, which the callee index (this "
                               "workspace only) cannot see, so whether it does work when called is unknown"};
  if (origin == PathOrigins::Origin::Std) {
    std::string_view last = name.substr(name.rfind("::") == std::string_view::npos ? 0 : name.rfind("::") + 2);
    bool futureConstructor = last == "ready" || last == "pending" || last == "poll_fn";
    if (futureConstructor && (last == name || name.find("future::") != std::string_view::npos))
      return {Laziness::Lazy, "`" + std::string(name) + "` is std's lazy future constructor"};
    return {Laziness::Unknown, "`" + std::string(name) + "` comes from std; of std, only `future::ready`, `pending` "
                               "and `poll_fn` are known to do nothing when called"};
  }
  return callees->resolve(name);
}

}  // namespace corofix
