#include "rewriter/project.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "rewriter/relevant_ranges.h"
#include "rewriter/rust_analysis.h"
#include "rewriter/source.h"
#include "rewriter/syntax.h"

namespace corofix {
namespace {

/// A [package] key a member may inherit from [workspace.package].
struct PackageField {
  std::string value;            // [package] key = "…"
  bool fromWorkspace = false;   // key.workspace = true / key = { workspace = true }
  std::string workspaceValue;   // [workspace.package] key
};

/// The package keys read: what rules need to know of the code's package.
constexpr std::string_view kPackageKeys[] = {"edition", "rust-version"};

/// The few Cargo.toml facts we need, read line by line (a full TOML parser would be overkill:
/// `edition` and `rust-version` are always plain keys in `[package]` or `[workspace.package]`).
struct Manifest {
  bool exists = false;
  bool isWorkspace = false;
  std::map<std::string, PackageField, std::less<>> fields;  // by kPackageKeys
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
  for (std::string_view name : kPackageKeys) m.fields[std::string(name)];
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
    for (std::string_view name : kPackageKeys) {
      PackageField& field = m.fields.find(name)->second;
      if (section == "package" && key == name) {
        if (value.find("workspace") != std::string_view::npos) field.fromWorkspace = true;
        else field.value = quotedValue(value);
      } else if (section == "package" && key.substr(0, name.size()) == name && key.substr(name.size()) == ".workspace") {
        field.fromWorkspace = value == "true";
      } else if (section == "workspace.package" && key == name) {
        field.workspaceValue = quotedValue(value);
      }
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

std::string location(std::string_view path, uint32_t line0) { return std::string(path) + ":" + std::to_string(line0 + 1); }

std::string_view lastSegment(std::string_view path) {
  size_t colons = path.rfind("::");
  return colons == std::string_view::npos ? path : path.substr(colons + 2);
}

/// std's `future::ready`, `pending` and `poll_fn`, named in full or imported: they only build a future.
bool isStdFutureConstructor(std::string_view path) {
  std::string_view last = lastSegment(path);
  return (last == "ready" || last == "pending" || last == "poll_fn") &&
         (last == path || path.find("future::") != std::string_view::npos);
}

/// `fn f() -> impl Future { async move { .. } }`: calling it only builds the future.
bool buildsOnlyAnAsyncBlock(const rust::Function& f) {
  return f.body && rust::blockItems(f.body).size() == 1 && rust::blockTail(f.body).is("async_block");
}

/// `fn read(..) -> Read<'a, R> { Read { reader, buf } }` (how libraries write their named futures,
/// `Self { .. }` in a `new`): calling it only moves values into the future, whose `poll` does the work.
/// Returns the type built, or "".
std::string builtStruct(const rust::Function& f) {
  if (!f.body || rust::blockItems(f.body).size() != 1) return {};
  Node literal = rust::blockTail(f.body);
  if (!literal.is("struct_expression")) return {};
  bool pure = true;
  walk(literal.field("body"), [&](Node n) {
    if (n.is("field_initializer")) pure &= rust::isPure(n.field("value"));
    if (n.is("base_field_initializer")) pure &= rust::isPure(n.namedChild(0));
    return pure && !n.is("field_initializer");
  });
  return pure ? std::string(literal.field("name").text()) : std::string();
}

/// The callee of `fn f(..) -> F { g(pure..) }` with `F` possibly a future, or "" if the body is
/// anything else.
std::string forwardedCallee(const rust::Function& f) {
  if (!f.body || !f.returnType || !mayBeAFuture(f.returnType.text()) || rust::blockItems(f.body).size() != 1)
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

bool isAsyncSignature(Node signature) {
  for (Node c : signature.namedChildren())
    if (c.is("function_modifiers")) return c.text().find("async") != std::string_view::npos;
  return false;
}

/// No `self` among the parameters (`&self`, or typed: `self: Pin<&mut Self>`): not callable as
/// `x.name(..)`.
bool withoutSelf(Node parameters) {
  for (Node p : parameters.namedChildren()) {
    std::string_view pattern = p.is("parameter") ? p.field("pattern").text() : "";
    if (p.is("self_parameter") || pattern == "self" || pattern == "mut self") return false;
  }
  return true;
}

/// What calling a trait's fn declaration does: an `async fn`'s body is a state machine whatever the
/// impl; any other fn's impls may do work.
CalleeIndex::Definition declared(Node signature, std::string_view name, const std::string& where) {
  Node returned = signature.field("return_type");
  bool free = withoutSelf(signature.field("parameters"));
  if (isAsyncSignature(signature))
    return {Laziness::Lazy, "`" + std::string(name) + "` is a trait `async fn` (" + where + ")", "", true, free, true};
  return {Laziness::Eager, "`" + std::string(name) + "` is a trait fn whose impls may do work when called (" + where + ")",
          "", returned && mayBeAFuture(returned.text()), free};
}

/// What calling `f` does, as far as its own text tells.
CalleeIndex::Definition definedBody(const rust::Function& f, const std::string& where) {
  std::string name(f.name.text());
  bool awaitable = f.isAsync || (f.returnType && mayBeAFuture(f.returnType.text()));
  if (f.isAsync) return {Laziness::Lazy, "`" + name + "` is an `async fn` (" + where + ")", "", true, false, true};
  if (buildsOnlyAnAsyncBlock(f))
    return {Laziness::Lazy, "`" + name + "` only builds an `async` block (" + where + ")", "", true, false, true};
  if (std::string built = builtStruct(f); !built.empty() && awaitable)
    return {Laziness::Lazy, "`" + name + "` only builds a `" + built + "`, whose `poll` does the work (" + where + ")", ""};
  if (std::string callee = forwardedCallee(f); !callee.empty())
    return {Laziness::Unknown, "`" + name + "` returns `" + callee + "`'s future (" + where + ")", callee};
  std::string returns = f.returnType ? " returning `" + std::string(f.returnType.text()) + "`" : "";
  return {Laziness::Eager, "`" + name + "` is a plain fn" + returns + " that may do work when called (" + where + ")", "",
          awaitable};
}

CalleeIndex::Definition defined(const rust::Function& f, const std::string& where) {
  CalleeIndex::Definition out = definedBody(f, where);
  out.withoutSelf = withoutSelf(f.parameters);
  return out;
}

/// "a", "a and b", "a, b, c and 4 more", sorted.
std::string listed(std::vector<std::string_view> names) {
  constexpr size_t kShown = 3;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string out;
  size_t shown = names.size() > kShown + 1 ? kShown : names.size();
  for (size_t i = 0; i < shown; ++i)
    out += (i == 0 ? "" : i + 1 == shown && shown == names.size() ? " and " : ", ") + std::string(names[i]);
  if (shown < names.size()) out += " and " + std::to_string(names.size() - shown) + " more";
  return out;
}

/// The laziness every definition that may be the callee shares, or Unknown naming two that differ.
CalleeResolution agreed(std::vector<CalleeIndex::Definition> found, std::string_view path, std::string_view scope) {
  if (found.empty()) {
    std::string reason = "`" + std::string(path) + "` is not defined in " + std::string(scope) +
                         " as a fn that may return a future, so whether it does work when called is unknown";
    return {Laziness::Unknown, reason, reason};
  }
  // Indexes fill in parallel: sorted, the message is the same every run.
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.reason < b.reason; });
  auto notLazy = std::find_if(found.begin(), found.end(), [](const auto& d) { return d.laziness != Laziness::Lazy; });
  const auto& first = notLazy == found.end() ? found.front() : *notLazy;
  auto other = std::find_if(found.begin(), found.end(), [&](const auto& d) { return d.laziness != first.laziness; });
  auto unpin = std::find_if(found.begin(), found.end(), [](const auto& d) { return !d.stateMachine; });
  std::string mayBeUnpin = unpin == found.end() ? "" : unpin->reason;
  CalleeResolution out{first.laziness, first.reason, mayBeUnpin};
  if (other != found.end())
    out = {Laziness::Unknown,
           "`" + std::string(lastSegment(path)) + "` has " + std::to_string(found.size()) + " definitions in " +
               std::string(scope) + " that differ: " + first.reason + "; " + other->reason,
           mayBeUnpin};
  out.allTie = true;
  for (const auto& d : found) {
    if (std::find(out.files.begin(), out.files.end(), d.file) == out.files.end()) out.files.push_back(d.file);
    if (out.ties.empty()) out.ties = d.ties;
    out.allTie &= !d.ties.empty();
  }
  return out;
}

/// std's `ready`, `pending` and `poll_fn`: lazy, and their futures may be `Unpin`.
CalleeResolution stdFutureConstructor(std::string_view name) {
  std::string reason = "`" + std::string(name) + "` is std's lazy future constructor";
  return {Laziness::Lazy, reason, reason};
}

std::string textOf(std::string_view text, TextRange range) {
  return std::string(text.substr(range.begin, range.end - range.begin));
}

/// A fn the lexer delimited and the parser skips, or that lies in a file not parsed. Most return no
/// future, so are never the callee; one that may is indexed like any other, parsed on its own
/// once asked about, without its body unless that may just build or forward a future.
void addLexed(std::string_view path, std::string_view text, const LexedFunction& fn, CalleeIndex& index) {
  if (!fn.isAsync && !mayBeAFuture(textOf(text, fn.returnType))) return;
  std::string item = fn.bodyIsOneExpression ? textOf(text, fn.item) : textOf(text, fn.signature) + (fn.isDeclaration() ? "" : "{}");
  index.addUnparsed(textOf(text, fn.name), path, std::move(item), fn.line);
}

/// Calls `add(name, definition)` for every fn definition and trait fn declaration in `tree`.
template <typename Add>
void forEachDefinition(std::string_view path, const SyntaxTree& tree, uint32_t firstLine, Add&& add) {
  auto addIn = [&](Node fn, std::string_view name, CalleeIndex::Definition definition, const std::string& where) {
    if (!definition.awaitable) return;
    definition.file = path;
    if (std::string shared = rust::sharedByParameters(fn); !shared.empty())
      definition.ties = "`" + std::string(name) + "` gives `" + shared + "` to several parameters (" + where + ")";
    add(std::string(name), std::move(definition));
  };
  // Items in fn bodies count too: `impl S { fn m(..) }` in a fn defines a method any `x.m()` may
  // call, and a nested fn may share a name with the callee. A foreign fn returns a C value.
  walk(tree.root(), [&](Node n) {
    if (n.is("foreign_mod_item")) return false;
    if (n.is("function_signature_item")) {  // a trait's fn without a default body
      std::string where = location(path, firstLine + n.line());
      std::string_view name = n.field("name").text();
      addIn(n, name, declared(n, name, where), where);
    } else if (auto f = rust::asFunction(n); f && !(f->body && tree.skipsInside(f->body))) {
      // A body the parse skipped is indexed from the lexer (see indexRustSource).
      std::string where = location(path, firstLine + n.line());
      addIn(n, f->name.text(), defined(*f, where), where);
    }
    return true;
  });
}

/// The [package] `key` (one of kPackageKeys) of the package `file` belongs to, through the
/// workspace when inherited: nullopt outside a package, "" when unset.
std::optional<std::string> packageField(std::string_view file, std::string_view key) {
  std::string package = findManifestDir(absoluteDir(file), [](const Manifest&) { return true; });
  if (package.empty()) return std::nullopt;
  const Manifest& m = manifests().at(package);
  const PackageField& field = m.fields.find(key)->second;
  if (!field.fromWorkspace) return field.value;
  std::string parent = std::string(llvm::sys::path::parent_path(package));
  std::string workspace = findManifestDir(parent, [](const Manifest& w) { return w.isWorkspace; });
  if (package != workspace && m.isWorkspace) workspace = package;
  if (workspace.empty()) return "";
  return manifests().at(workspace).fields.find(key)->second.workspaceValue;
}

}  // namespace

Edition editionFor(std::string_view file) {
  std::optional<std::string> edition = packageField(file, "edition");
  return edition ? parseEdition(*edition, Edition::E2015) : Edition::E2021;
}

std::string rustVersionFor(std::string_view file) { return packageField(file, "rust-version").value_or(""); }

bool rustVersionBelow(std::string_view version, unsigned major, unsigned minor) {
  unsigned have[2] = {0, 0};
  for (unsigned& part : have) {
    size_t digits = 0;
    while (digits < version.size() && version[digits] >= '0' && version[digits] <= '9') ++digits;
    if (digits == 0) return false;  // unset or unreadable: no limit known
    part = static_cast<unsigned>(std::stoul(std::string(version.substr(0, digits))));
    version.remove_prefix(std::min(version.size(), digits + 1));
  }
  return have[0] < major || (have[0] == major && have[1] < minor);
}

std::string projectRootFor(std::string_view file) {
  std::string dir = absoluteDir(file);
  std::string package = findManifestDir(dir, [](const Manifest&) { return true; });
  if (package.empty()) return dir;
  std::string workspace = findManifestDir(package, [](const Manifest& m) { return m.isWorkspace; });
  return workspace.empty() ? package : workspace;
}

void CalleeIndex::add(std::string name, Definition definition) {
  if (!definition.awaitable) return;  // never the callee: most of a crate's fns, not worth keeping
  std::lock_guard lock(mutex_);
  definitions_[std::move(name)].push_back(std::move(definition));
}

void CalleeIndex::addStored(std::unique_ptr<Stored> stored) {
  std::lock_guard lock(mutex_);
  stored_.push_back(std::move(stored));
}

void CalleeIndex::addParsedFile(std::string_view path, const SyntaxTree& tree, uint32_t firstLine) {
  forEachDefinition(path, tree, firstLine, [&](std::string name, Definition d) { add(std::move(name), std::move(d)); });
}

void CalleeIndex::addUnparsed(std::string name, std::string_view path, std::string text, uint32_t firstLine) {
  std::lock_guard lock(mutex_);
  unparsed_[std::move(name)].push_back({std::string(path), std::move(text), firstLine});
}

void CalleeIndex::parseUnparsedLocked(std::optional<std::string_view> name) const {
  auto first = name ? unparsed_.find(*name) : unparsed_.begin();
  auto last = name && first != unparsed_.end() ? std::next(first) : unparsed_.end();
  for (auto it = first; it != last; ++it)
    for (const Unparsed& fn : it->second)
      forEachDefinition(fn.path, *SyntaxTree::parseRust(fn.text), fn.firstLine,
                        [&](std::string n, Definition d) { definitions_[std::move(n)].push_back(std::move(d)); });
  unparsed_.erase(first, last);
}

const std::vector<CalleeIndex::Definition>& CalleeIndex::candidates(std::string_view name) const {
  std::lock_guard lock(mutex_);
  // Map nodes never move and a finished entry never changes: the reference outlives the lock.
  return resolvedLocked(lastSegment(name)).candidates;
}

const CalleeIndex::Resolved& CalleeIndex::resolvedLocked(std::string_view name) const {
  if (auto memo = resolved_.find(name); memo != resolved_.end()) return memo->second;
  parseUnparsedLocked(name);
  std::vector<Definition> named;
  if (auto it = definitions_.find(name); it != definitions_.end()) named = it->second;
  for (const auto& stored : stored_)
    for (Definition& d : stored->named(name)) named.push_back(std::move(d));
  // Not remembered: a method's name is asked of every dependency, and most define none.
  static const Resolved kNone{{}, false, false};
  if (named.empty()) return kNone;
  Resolved& out = resolved_[std::string(name)];  // in progress: a chain that comes back here is a cycle
  for (const Definition& d : named) {
    Definition resolved = d;
    if (!d.forwardsTo.empty()) {
      const Resolved& target = resolvedLocked(lastSegment(d.forwardsTo));
      CalleeResolution targetResolution;
      if (target.inProgress || target.reachesCycle) {
        // Lazy only if every forwarder on the way ends in something lazy, which a cycle never does.
        // Said the same way whichever name was asked first, so messages do not depend on order.
        out.reachesCycle = true;
        targetResolution = {Laziness::Unknown, "`" + d.forwardsTo + "` is part of, or leads to, fns that return "
                                                   "each other's futures in a cycle"};
      } else if (target.candidates.empty() && isStdFutureConstructor(d.forwardsTo)) {
        targetResolution = stdFutureConstructor(d.forwardsTo);
      } else {
        targetResolution = agreed(target.candidates, d.forwardsTo, scope_);
      }
      resolved.laziness = targetResolution.laziness == Laziness::Lazy ? Laziness::Lazy : Laziness::Unknown;
      resolved.reason += ", and " + targetResolution.reason;
      resolved.stateMachine = targetResolution.laziness == Laziness::Lazy && targetResolution.mayBeUnpin.empty();
    }
    out.candidates.push_back(std::move(resolved));
  }
  out.inProgress = false;
  return out;
}

std::vector<std::pair<std::string, CalleeIndex::Definition>> CalleeIndex::entries() const {
  std::lock_guard lock(mutex_);
  parseUnparsedLocked(std::nullopt);
  std::vector<std::pair<std::string, Definition>> out;
  for (const auto& [name, definitions] : definitions_)
    for (const Definition& d : definitions) out.emplace_back(name, d);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first, a.second.reason) < std::tie(b.first, b.second.reason);
  });
  return out;
}

CalleeResolution CalleeIndex::resolve(const CalleeQuery& query) const { return resolveAmong({this}, query, scope_); }

CalleeResolution resolveAmong(const std::vector<const CalleeIndex*>& indexes, const CalleeQuery& query,
                              std::string_view scope) {
  std::vector<CalleeIndex::Definition> found;
  std::vector<std::string_view> definedIn;
  for (const CalleeIndex* index : indexes) {
    size_t before = found.size();
    for (const CalleeIndex::Definition& d : index->candidates(query.name))
      if (!query.isMethod || !d.withoutSelf) found.push_back(d);
    if (found.size() > before) definedIn.push_back(index->scope());
  }
  if (found.empty() && isStdFutureConstructor(query.name))
    return stdFutureConstructor(query.name);
  return agreed(std::move(found), query.name, found.empty() ? std::string(scope) : listed(std::move(definedIn)));
}

bool mayBeAFuture(std::string_view type) {
  type = trim(type);
  if (type.empty() || type == "!" || type.find_first_of("&*([") == 0) return false;
  if (type.substr(0, 5) == "impl " || type.substr(0, 4) == "dyn ") return type.find("Future") != std::string_view::npos;
  static const std::set<std::string_view> kNoFuture = {
      "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
      "f32", "f64", "String", "Vec", "Option", "Result", "Poll", "Cow", "HashMap", "BTreeMap", "VecDeque", "Duration"};
  return !kNoFuture.count(lastSegment(trim(type.substr(0, type.find('<')))));
}

std::unique_ptr<SyntaxTree> indexRustSource(std::string_view path, std::string_view text, CalleeIndex& index) {
  SkippableText skippable = skippableText(text);
  auto addLexedFns = [&](std::initializer_list<const std::vector<LexedFunction>*> lists) {
    for (const auto* fns : lists)
      for (const LexedFunction& fn : *fns) addLexed(path, text, fn, index);
  };
  addLexedFns({&skippable.macroFunctions});  // no parse sees them
  if (skippable.lexed && !skippable.mustParse) {
    addLexedFns({&skippable.plainFunctions, &skippable.otherFunctions});
    return nullptr;
  }
  std::vector<std::pair<uint32_t, uint32_t>> skip;
  for (TextRange range : skippable.ranges) skip.emplace_back(range.begin, range.end);
  auto tree = SyntaxTree::parseRustSkipping(text, skip);
  // A parse that fell back to the whole text sees every other fn itself; one that did not,
  // neither the plain fns nor the bodies it skipped (which may just build or forward a future).
  if (tree->isPartial()) {
    addLexedFns({&skippable.plainFunctions});
    for (const LexedFunction& fn : skippable.otherFunctions)
      if (!fn.isDeclaration()) addLexed(path, text, fn, index);
  }
  index.addParsedFile(path, *tree);
  return tree;
}

namespace {

std::string_view firstSegment(std::string_view path) { return path.substr(0, path.find("::")); }

std::string joined(std::string_view prefix, std::string_view path) {
  std::string out(prefix);
  if (!out.empty() && !path.empty()) out += "::";
  for (char c : path)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

/// A `use` tree's imports: each name it brings into scope with the path it stands for (`t` and
/// `a::c` for `c as t` in `a::{b, c as t}`), and the paths its globs import from.
void importedPaths(Node tree, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& names,
                   std::vector<std::string>& globs) {
  if (tree.is("use_wildcard")) {
    globs.push_back(joined(prefix, tree.namedChild(0) ? tree.namedChild(0).text() : ""));
  } else if (tree.is("use_as_clause")) {
    names.emplace_back(tree.field("alias").text(), joined(prefix, tree.field("path").text()));
  } else if (tree.is("scoped_identifier")) {
    names.emplace_back(tree.field("name").text(), joined(prefix, tree.text()));
  } else if (tree.is("self")) {  // `use tokio::io::{self, ..}`
    names.emplace_back(lastSegment(prefix), prefix);
  } else if (tree.is("identifier") || tree.is("crate") || tree.is("super")) {
    names.emplace_back(tree.text(), joined(prefix, tree.text()));
  } else if (tree.is("scoped_use_list")) {
    Node path = tree.field("path");
    importedPaths(tree.field("list"), path ? joined(prefix, path.text()) : prefix, names, globs);
  } else if (tree.is("use_list")) {
    for (Node item : tree.namedChildren()) importedPaths(item, prefix, names, globs);
  }
}

}  // namespace

void PathOrigins::read(const SyntaxTree& tree) const {
  std::vector<Node> uses;
  walk(tree.root(), [&](Node n) {
    if (n.is("use_declaration")) {
      uses.push_back(n);
      return false;
    }
    if (n.is("extern_crate_declaration")) {
      Node alias = n.field("alias") ? n.field("alias") : n.field("name");
      imported_[std::string(alias.text())] = {Origin::OtherCrate, std::string(n.field("name").text())};
      return false;
    }
    for (std::string_view kind : {"mod_item", "struct_item", "enum_item", "union_item", "trait_item", "type_item",
                                  "function_item"})
      if (n.is(kind) && n.field("name")) declared_.emplace_back(n.field("name").text());
    return true;
  });
  for (Node use : uses) {  // after the walk: a `use` may name a module declared below it
    std::vector<std::pair<std::string, std::string>> names;
    std::vector<std::string> globs;
    importedPaths(use.field("argument"), "", names, globs);
    for (std::string& glob : globs)
      if (ofRoot(firstSegment(glob)) == Origin::OtherCrate) globCrates_.push_back(external(glob).crate);
    for (auto& [name, path] : names) {
      Import import{ofRoot(firstSegment(path)), path};
      auto [it, fresh] = imported_.emplace(name, import);
      if (!fresh && import.origin == Origin::OtherCrate) it->second = import;  // when unsure, another crate
    }
  }
}

PathOrigins::Origin PathOrigins::ofRoot(std::string_view root) const {
  if (root.empty()) return Origin::OtherCrate;  // `::tokio::spawn`
  if (root == "crate" || root == "self" || root == "super" || root == "Self") return Origin::ThisCrate;
  if (root == "std" || root == "core" || root == "alloc") return Origin::Std;
  if (auto it = imported_.find(root); it != imported_.end()) return it->second.origin;
  if (isDeclared(root)) return Origin::ThisCrate;
  // Crate names are snake_case: a capitalised root is a type (`T::read`, `Tcp::connect`).
  if (std::isupper(static_cast<unsigned char>(root.front()))) return Origin::UnknownType;
  return Origin::OtherCrate;  // an extern crate name (edition 2018 and later)
}

bool PathOrigins::isDeclared(std::string_view name) const {
  return std::find(declared_.begin(), declared_.end(), name) != declared_.end();
}

PathOrigins::Origin PathOrigins::of(std::string_view path) const {
  if (unread_) read(*std::exchange(unread_, nullptr));
  size_t colons = path.find("::");
  if (colons != std::string_view::npos) return ofRoot(path.substr(0, colons));
  if (auto it = imported_.find(path); it != imported_.end()) return it->second.origin;
  if (isDeclared(path)) return Origin::ThisCrate;
  return globCrates_.empty() ? Origin::ThisCrate : Origin::OtherCrate;
}

PathOrigins::External PathOrigins::external(std::string_view path) const {
  if (unread_) read(*std::exchange(unread_, nullptr));
  if (path.substr(0, 2) == "::") path.remove_prefix(2);  // `::tokio::spawn`
  std::string_view root = firstSegment(path);
  std::string full(path);
  if (auto it = imported_.find(root); it != imported_.end()) {
    full = it->second.path + std::string(path.substr(root.size()));
  } else if (root == path && !isDeclared(path)) {  // a bare name from a glob import
    bool oneCrate = std::all_of(globCrates_.begin(), globCrates_.end(), [&](const auto& c) { return c == globCrates_[0]; });
    return {oneCrate && !globCrates_.empty() ? globCrates_[0] : "", full};
  }
  return {std::string(firstSegment(full)), full};
}

CalleeResolution FileContext::resolve(const CalleeQuery& query) const {
  if (!callees) return {Laziness::Unknown, "no callee index"};
  if (query.isMethod) return resolveInAnyCrate(query);
  std::string name(query.name);
  PathOrigins::Origin origin = origins ? origins->of(name) : PathOrigins::Origin::ThisCrate;
  if (origin == PathOrigins::Origin::OtherCrate) return resolveInOtherCrate(query);
  if (origin == PathOrigins::Origin::UnknownType) return resolveInAnyCrate({lastSegment(query.name)});
  if (origin == PathOrigins::Origin::Std) {
    if (isStdFutureConstructor(name)) return stdFutureConstructor(name);
    return {Laziness::Unknown, "`" + name + "` comes from std; of std, only `future::ready`, `pending` "
                               "and `poll_fn` are known to do nothing when called"};
  }
  return callees->resolve(query);
}

CalleeResolution FileContext::resolveInOtherCrate(const CalleeQuery& query) const {
  std::string name(query.name), unknown = ", so whether it does work when called is unknown";
  if (!crates)
    return {Laziness::Unknown, "`" + name + "` comes from another crate, and no dependency is indexed (no Cargo "
                               "package)" + unknown};
  if (!crates->unavailable.empty())
    return {Laziness::Unknown, "`" + name + "` comes from another crate, and the dependencies are not indexed: " +
                                   crates->unavailable};
  PathOrigins::External external = origins->external(name);
  if (external.crate.empty())
    return {Laziness::Unknown, "`" + name + "` may come from any of the crates this file glob-imports (`use ..::*`)" +
                                   unknown};
  auto it = crates->byCrateName.find(external.crate);
  if (it == crates->byCrateName.end())
    return {Laziness::Unknown, "`" + name + "` comes from crate `" + external.crate + "`, which is not a dependency "
                               "of this package" + unknown};
  return resolveAmong(it->second, {external.path}, "crate `" + external.crate + "`");
}

CalleeResolution FileContext::resolveInAnyCrate(const CalleeQuery& query) const {
  if (!crates) return callees->resolve(query);
  if (!crates->unavailable.empty()) {
    CalleeResolution here = callees->resolve(query);
    if (here.laziness != Laziness::Lazy) return here;
    return {Laziness::Unknown, here.reason + ", but a dependency may define `" + std::string(query.name) +
                                   "` too, and the dependencies are not indexed: " + crates->unavailable};
  }
  std::pair<std::string, bool> key{std::string(query.name), query.isMethod};
  CrateIndexes::AnyCrateMemo& memo = *crates->anyCrate;
  {
    std::lock_guard lock(memo.mutex);
    if (auto found = memo.byQuery.find(key); found != memo.byQuery.end()) return found->second;
  }
  std::vector<const CalleeIndex*> indexes{callees};
  indexes.insert(indexes.end(), crates->all.begin(), crates->all.end());
  CalleeResolution out = resolveAmong(indexes, query, crates->all.empty() ? callees->scope() : "the workspace and its " +
                                          std::to_string(crates->all.size()) + " indexed dependencies");
  std::lock_guard lock(memo.mutex);
  return memo.byQuery.emplace(std::move(key), std::move(out)).first->second;
}

}  // namespace corofix
