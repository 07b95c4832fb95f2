// What a rule may know beyond one file: the Rust edition in force, and which callees in the
// crate/workspace are lazy (an `async fn`, or a constructor that only builds a future).
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corofix {

class SyntaxTree;

enum class Edition { E2015 = 2015, E2018 = 2018, E2021 = 2021, E2024 = 2024 };

/// Reads the edition for `file` from the nearest Cargo.toml: `edition = "…"`, or
/// `edition.workspace = true` resolved through the workspace root's `[workspace.package]`.
/// Defaults to 2015 (Cargo's default) when a manifest has no edition, 2021 with no manifest.
Edition editionFor(std::string_view file);
/// The package's `rust-version` for `file` ("1.70"), through the workspace when inherited; "" when
/// unset or outside a package.
std::string rustVersionFor(std::string_view file);
/// Whether a `rust-version` is below `major.minor`; false when it is "" or unreadable.
bool rustVersionBelow(std::string_view version, unsigned major, unsigned minor);
/// The directory whose files form the callee index for `file`: the workspace root if the
/// nearest package belongs to one, the package root otherwise, or the file's own directory.
std::string projectRootFor(std::string_view file);

enum class Laziness {
  Lazy,     // nothing runs until the first poll: `async fn`, `async` block constructors, std's `ready`/`pending`/`poll_fn`
  Eager,    // a plain fn that may do work when called
  Unknown,  // not defined in the indexed code, or defined several ways
};

struct CalleeResolution {
  Laziness laziness = Laziness::Unknown;
  /// Why, in words a diagnostic can quote: "`fetch` is an `async fn` (src/net.rs:12)".
  std::string reason;
  /// Why a definition that may be the callee may return an `Unpin` future (anything but the
  /// compiler's async state machine, which never is), in the same words; empty when none may.
  std::string mayBeUnpin = "";
  /// The files of the definitions that may be the callee ("" for a dependency's read from the
  /// cache); empty when none is known.
  std::vector<std::string> files = {};
  /// A definition that may be the callee and gives one lifetime (or type) to several parameters,
  /// in words (see CalleeIndex::Definition::ties); empty when none does.
  std::string ties = "";
  bool allTie = false;  // every definition that may be the callee does

  /// Every definition that may be the callee is in `file`: rules may read them all there.
  bool allDefinedIn(std::string_view file) const {
    return !files.empty() && std::all_of(files.begin(), files.end(), [&](const auto& f) { return f == file; });
  }
};

/// A call whose callee is looked up. Every callee the rules resolve is awaited (or its value is
/// returned as a future), so definitions that cannot return a future are never the callee.
struct CalleeQuery {
  std::string_view name;  // the function path as written (`g`, `net::g`, `tokio::time::sleep`) or the method name
  bool isMethod = false;  // `receiver.name(..)`: the receiver's type, so the crate, is unknown
};

/// False when a fn returning `type` (its text after `->`; empty for none) cannot be awaited:
/// `()`, scalars, `String`, `Vec<..>`, `Option<..>`, `Result<..>`, `Poll<..>`, tuples, arrays,
/// references, and `impl Trait` that names no `Future`.
bool mayBeAFuture(std::string_view type);

/// Function definitions found in the indexed files, keyed by their last path segment (callees
/// are resolved by name, so a name defined with different laziness is Unknown).
class CalleeIndex {
 public:
  /// `scope` names the indexed code in messages: "the indexed workspace", "crate `tokio`".
  explicit CalleeIndex(std::string scope = "the indexed workspace") : scope_(std::move(scope)) {}

  struct Definition {
    Laziness laziness = Laziness::Unknown;
    std::string reason;  // "`g` is an `async fn` (src/net.rs:12)"
    /// For `fn f(..) -> F { g(pure..) }` (what forward-await writes): `g`, whose laziness `f` shares.
    std::string forwardsTo;
    bool awaitable = true;  // false: it returns no future (see mayBeAFuture), so `add` drops it
    bool withoutSelf = false;  // true: no `self` parameter, so never what `x.name(..)` calls
    bool stateMachine = false;  // returns the compiler's async state machine (`async fn`, `async` block)
    std::string file = "";  // as indexed; "" when read from the dependency cache
    /// "`g` gives `'s` to several parameters (src/io.rs:4)" (see rust::sharedByParameters); "" if not.
    std::string ties = "";
  };

  /// Definitions kept in a form only decoded when their name is asked for: a dependency's cache,
  /// whose hundreds of thousands of definitions a run mostly never asks about.
  class Stored {
   public:
    virtual ~Stored() = default;
    virtual std::vector<Definition> named(std::string_view name) const = 0;
  };

  /// Adds every fn definition and trait fn declaration in a parsed file. `firstLine` is the
  /// 0-based line where the parsed text starts in the file (a fn parsed on its own).
  void addParsedFile(std::string_view path, const SyntaxTree& tree, uint32_t firstLine = 0);
  /// Adds the fn `name` whose text (the item, or its signature with an empty body) the lexer
  /// delimited at `firstLine` of `path`: parsed and added as by addParsedFile only when its name is
  /// first asked for, as most never are.
  void addUnparsed(std::string name, std::string_view path, std::string text, uint32_t firstLine);
  void add(std::string name, Definition definition);
  void addStored(std::unique_ptr<Stored> stored);

  /// The awaitable definitions named like the callee (its last path segment), each with its
  /// forwarding resolved. Empty if there is none here. Resolved once per name, on first use: the
  /// index must be complete by then.
  const std::vector<Definition>& candidates(std::string_view name) const;
  /// `query` resolved in this index alone.
  CalleeResolution resolve(const CalleeQuery& query) const;
  const std::string& scope() const { return scope_; }
  /// Every added definition (not the stored ones), by name, in a stable order: what the
  /// dependency cache stores.
  std::vector<std::pair<std::string, Definition>> entries() const;

 private:
  /// A name's candidates with forwarding resolved. `reachesCycle`: some forwarding chain from it
  /// comes back to a name it passed, so none of those forwarders can be proven lazy.
  struct Resolved {
    std::vector<Definition> candidates;
    bool reachesCycle = false;
    bool inProgress = true;
  };
  const Resolved& resolvedLocked(std::string_view name) const;
  /// Parses and adds the unparsed fns named `name`, or all of them.
  void parseUnparsedLocked(std::optional<std::string_view> name) const;

  struct Unparsed {
    std::string path, text;
    uint32_t firstLine;
  };

  std::string scope_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::vector<Definition>, std::less<>> definitions_;
  mutable std::map<std::string, std::vector<Unparsed>, std::less<>> unparsed_;
  std::vector<std::unique_ptr<Stored>> stored_;
  /// Memo of resolvedLocked: without it, names that forward to each other (`new`, `default`,
  /// `with_capacity` across a crate) are resolved again along every path, exponentially.
  mutable std::map<std::string, Resolved, std::less<>> resolved_;
};

/// Resolves a callee across several indexes (a method may be defined in any crate): Lazy only when
/// every definition that may be the callee is lazy. `scope` names them in messages.
CalleeResolution resolveAmong(const std::vector<const CalleeIndex*>& indexes, const CalleeQuery& query,
                              std::string_view scope);

/// Parses what the rules may look at in `text` (nothing for a file no rule can match in: see
/// SkippableText) and adds its fns to `index`: one indexing for the workspace's files and the
/// dependencies'. Returns the tree, or null when the file was only lexed.
std::unique_ptr<SyntaxTree> indexRustSource(std::string_view path, std::string_view text, CalleeIndex& index);

/// The other crates a project's code may name, as indexed from its Cargo dependencies.
struct CrateIndexes {
  /// By the name code uses (`embedded_io_async`, or a `package = ".."` rename): the package's
  /// index (a workspace member's is the workspace index itself). Several when members disagree.
  std::map<std::string, std::vector<const CalleeIndex*>, std::less<>> byCrateName;
  std::vector<const CalleeIndex*> all;  // every indexed dependency, for method calls
  /// Why no dependency is indexed ("`cargo metadata` failed: .."); empty when they are.
  std::string unavailable;

  /// What a name resolves to among the workspace and every dependency, for the root's files: file
  /// after file asks about the same methods, and each asks every dependency.
  struct AnyCrateMemo {
    std::mutex mutex;
    std::map<std::pair<std::string, bool>, CalleeResolution, std::less<>> byQuery;  // (name, isMethod)
  };
  std::unique_ptr<AnyCrateMemo> anyCrate = std::make_unique<AnyCrateMemo>();
};

/// Where a path called in one file comes from, read off its `use` declarations and the items it
/// declares: the index matches last names only, so `tokio::time::sleep` must not take the
/// laziness of this workspace's own `sleep`.
class PathOrigins {
 public:
  /// UnknownType: a type this file neither declares nor imports by name (`T::read` on a type
  /// parameter, or a type a glob brought in): which type, hence which crate, is unknown.
  enum class Origin { ThisCrate, Std, OtherCrate, UnknownType };
  /// Read off `tree` on first use (most files never resolve a path); one thread at a time.
  explicit PathOrigins(const SyntaxTree& tree) : unread_(&tree) {}
  PathOrigins() = default;
  Origin of(std::string_view path) const;
  /// For a path from another crate: the crate's name and the path inside it as imported
  /// (`tokio` and `tokio::time::sleep` for `nap` after `use tokio::time::sleep as nap`). The crate
  /// is empty when a glob import may have brought the name from any of several crates.
  struct External {
    std::string crate;
    std::string path;
  };
  External external(std::string_view path) const;

 private:
  struct Import {
    Origin origin;
    std::string path;  // what the name stands for: `tokio::time::sleep`
  };
  void read(const SyntaxTree& tree) const;
  Origin ofRoot(std::string_view root) const;
  bool isDeclared(std::string_view name) const;
  mutable const SyntaxTree* unread_ = nullptr;  // the tree, until read
  mutable std::map<std::string, Import, std::less<>> imported_;
  mutable std::vector<std::string> declared_;    // modules, types, traits and fns of this file
  mutable std::vector<std::string> globCrates_;  // `use other_crate::*;` may bring any bare name
};

/// Everything a rule knows about the file's project.
struct FileContext {
  Edition edition = Edition::E2021;
  const CalleeIndex* callees = nullptr;
  const PathOrigins* origins = nullptr;
  const CrateIndexes* crates = nullptr;  // the dependencies; null: none known
  std::string rustVersion = "";  // the package's `rust-version`: the oldest Rust the fixed code must build with

  CalleeResolution resolve(const CalleeQuery& query) const;

 private:
  CalleeResolution resolveInOtherCrate(const CalleeQuery& query) const;
  /// Among the workspace and every indexed dependency: a method's receiver type, or a path's
  /// type (`T::read`), is unknown, so any of them may define the callee.
  CalleeResolution resolveInAnyCrate(const CalleeQuery& query) const;
};

}  // namespace corofix
