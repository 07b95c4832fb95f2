// What a rule may know beyond one file: the Rust edition in force, and which callees in the
// crate/workspace are lazy (an `async fn`, or a constructor that only builds a future).
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
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
};

/// Function definitions found in the indexed files, keyed by their last path segment (callees
/// are resolved by name, so a name defined with different laziness is Unknown).
class CalleeIndex {
 public:
  struct Definition {
    Laziness laziness;
    std::string reason;  // "`g` is an `async fn` (src/net.rs:12)"
    /// For `fn f(..) -> impl Future { g(pure..) }` (what forward-await writes): `g`, whose
    /// laziness `f` shares.
    std::string forwardsTo;
  };

  /// Adds every fn definition and trait fn declaration in a parsed file.
  void addParsedFile(std::string_view path, const SyntaxTree& tree);
  /// For files not worth parsing (no `async`, no `Future`): every `fn name` is a plain fn.
  /// `begin`/`end` limit the scan to a part of `text` (a skipped item), lines still counted from the top.
  void addUnparsedFile(std::string_view path, std::string_view text, uint32_t begin = 0,
                       uint32_t end = UINT32_MAX);
  void add(std::string name, Definition definition);

  /// `name` is a call's function path (`g`, `net::g`, `Self::g`, `core::future::ready`) or a
  /// method name (`read`).
  CalleeResolution resolve(std::string_view name) const;

 private:
  CalleeResolution resolve(std::string_view name, unsigned depth) const;

  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Definition>, std::less<>> definitions_;
};

/// Where a path called in one file comes from, read off its `use` declarations and the items it
/// declares: the index matches last names only, so `tokio::time::sleep` must not take the
/// laziness of this workspace's own `sleep`.
class PathOrigins {
 public:
  enum class Origin { ThisCrate, Std, OtherCrate };
  explicit PathOrigins(const SyntaxTree& tree);
  PathOrigins() = default;
  Origin of(std::string_view path) const;

 private:
  Origin ofRoot(std::string_view root) const;
  std::map<std::string, Origin, std::less<>> imported_;
  std::vector<std::string> declared_;  // modules, types, traits and fns of this file
  bool externalGlob_ = false;          // `use other_crate::*;` may bring any bare name
};

/// Everything a rule knows about the file's project.
struct FileContext {
  Edition edition = Edition::E2021;
  const CalleeIndex* callees = nullptr;
  const PathOrigins* origins = nullptr;

  /// `name`: a call's function path as written (`g`, `net::g`, `tokio::time::sleep`) or a method name.
  CalleeResolution resolve(std::string_view name) const;
};

}  // namespace corofix
