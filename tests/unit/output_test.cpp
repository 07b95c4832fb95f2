// The output formats, on run results built by hand.
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <set>

#include "clang/Tooling/Core/Replacement.h"
#include "clang/Tooling/DiagnosticsYaml.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/YAMLTraits.h"
#include "rewriter/output.h"
#include "rewriter/rule.h"

namespace corofix {
namespace {

using llvm::json::Array;
using llvm::json::Object;

// --- building run results -------------------------------------------------------------------

FileResult fileWith(std::string path, std::string raw) {
  FileResult file;
  file.path = path;
  file.source = SourceFile::fromBytes(std::move(path), std::move(raw));
  return file;
}

TextRange rangeOf(std::string_view text, std::string_view needle, size_t from = 0) {
  size_t at = text.find(needle, from);
  EXPECT_NE(at, std::string_view::npos) << needle;
  return {static_cast<uint32_t>(at), static_cast<uint32_t>(at + needle.size())};
}

/// Adds a finding on `range` of the file's text, with its line, column and line text.
ReportedFinding& addFinding(FileResult& file, std::string check, TextRange range, Fix fix, Outcome outcome,
                            std::string message = "found it") {
  LineIndex lines(file.source->text());
  ReportedFinding reported;
  reported.finding = Finding{std::move(check), std::move(message), range, {}, std::move(fix)};
  reported.outcome = outcome;
  reported.line = lines.line(range.begin);
  reported.column = lines.column(range.begin);
  reported.sourceLine = std::string(lines.lineText(reported.line));
  file.findings.push_back(std::move(reported));
  return file.findings.back();
}

Fix safeReplace(TextRange range, std::string replacement, std::string description = "do the thing") {
  return Fix::safe(std::move(description), {TextEdit{range, std::move(replacement)}});
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    lines.emplace_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
  }
  return lines;
}

struct Text {
  std::string out, summary;
};
Text text(const RunResult& run, OutputOptions options = {}) {
  Text result;
  llvm::raw_string_ostream out(result.out), summary(result.summary);
  printText(run, options, out, summary);
  out.flush();
  summary.flush();
  return result;
}

const std::string kWrapper = "async fn outer(x: u32) -> u32 {\n    inner(x).await\n}\n";

RunResult wrapperRun(Outcome outcome, Fix fix) {
  RunResult run;
  run.filesScanned = 1;
  run.files.push_back(fileWith("src/lib.rs", kWrapper));
  addFinding(run.files[0], "forward-await", rangeOf(kWrapper, "inner(x).await"), std::move(fix), outcome,
             "async fn only awaits another future");
  return run;
}

// --- text --------------------------------------------------------------------------------------

TEST(OutputText, DiagnosticSourceLineCaretAndFix) {
  RunResult run = wrapperRun(Outcome::Fixable, safeReplace(rangeOf(kWrapper, "inner(x).await"), "inner(x)", "return the inner future"));
  std::vector<std::string> lines = linesOf(text(run).out);
  ASSERT_EQ(lines.size(), 4u) << text(run).out;
  EXPECT_EQ(lines[0], "src/lib.rs:2:5: warning: async fn only awaits another future [forward-await]");
  EXPECT_EQ(lines[1], "    inner(x).await");
  EXPECT_EQ(lines[2], "    ^" + std::string(13, '~'));
  EXPECT_EQ(lines[3], "  fix (run with --apply): return the inner future");
}

TEST(OutputText, CaretFollowsTabsAndCharactersNotBytes) {
  std::string source = "fn f() {\n\tlet é = \"ü\"; g().await;\n}\n";
  RunResult run;
  run.files.push_back(fileWith("a.rs", source));
  addFinding(run.files[0], "c", rangeOf(source, "g().await"), Fix::unavailable("because"), Outcome::NoFix);
  std::vector<std::string> lines = linesOf(text(run).out);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], "a.rs:2:17: warning: found it [c]");  // byte column, as clang-tidy
  EXPECT_EQ(lines[2], "\t" + std::string(13, ' ') + "^" + std::string(8, '~'));
  EXPECT_EQ(lines[3], "  not fixed: because");
}

TEST(OutputText, RangeEndingOnALaterLineGetsOnlyTheCaret) {
  std::string source = "fn f() {\n    async {\n        g().await\n    }\n}\n";
  RunResult run;
  run.files.push_back(fileWith("a.rs", source));
  addFinding(run.files[0], "c", rangeOf(source, "async {\n        g().await\n    }"), Fix::unavailable("no"),
             Outcome::NoFix);
  EXPECT_EQ(linesOf(text(run).out)[2], "    ^");
}

TEST(OutputText, ErrorsNotesAndEveryOutcomeInWords) {
  std::string source = "fn a() {}\nfn b() {}\nfn c() {}\nfn d() {}\nfn e() {}\nfn f() {}\nfn g() {}\n";
  RunResult run;
  run.files.push_back(fileWith("x.rs", source));
  FileResult& file = run.files[0];
  auto fixOf = [&](std::string_view name) { return safeReplace(rangeOf(source, name), "z", "rename it"); };
  addFinding(file, "c", rangeOf(source, "a()"), fixOf("a()"), Outcome::Applied).isError = true;
  addFinding(file, "c", rangeOf(source, "b()"), Fix::unsafe("rename it", "callee `h` may be eager", {}),
             Outcome::NeedsUnsafeFixes);
  addFinding(file, "c", rangeOf(source, "c()"), Fix::unavailable("the argument `y` is borrowed"), Outcome::NoFix);
  addFinding(file, "c", rangeOf(source, "d()"), fixOf("d()"), Outcome::Conflict);
  addFinding(file, "c", rangeOf(source, "e()"), fixOf("e()"), Outcome::Reverted);
  addFinding(file, "c", rangeOf(source, "f()"), fixOf("f()"), Outcome::NearParseError);
  addFinding(file, "c", rangeOf(source, "g()"), Fix::unsafe("rename it", "drops `v` earlier", {}), Outcome::Applied);
  file.findings[0].finding.notes.push_back(Note{rangeOf(source, "fn c"), "the callee is here"});

  std::string out = text(run, {RunMode::Apply, false, false, false}).out;
  std::vector<std::string> lines = linesOf(out);
  EXPECT_EQ(lines[0], "x.rs:1:4: error: found it [c]");
  EXPECT_EQ(lines[3], "x.rs:3:1: note: the callee is here");
  EXPECT_EQ(lines[4], "  fix (applied): rename it");
  for (const char* expected : {
           "  fix (needs --unsafe-fixes: callee `h` may be eager): rename it",
           "  not fixed: the argument `y` is borrowed",
           "  fix (not applied: it overlaps another fix): rename it",
           "  fix (reverted: the fixed file no longer parsed): rename it",
           "  fix (not applied: the file has syntax errors near this code): rename it",
           "  fix (applied; unsafe: drops `v` earlier): rename it",
       })
    EXPECT_NE(std::find(lines.begin(), lines.end(), expected), lines.end()) << expected << "\n" << out;
  EXPECT_EQ(out.find("\x1b["), std::string::npos);

  std::string diffOut = text(run, {RunMode::Diff, false, false, false}).out;
  EXPECT_NE(diffOut.find("  fix (shown in the diff): rename it\n"), std::string::npos) << diffOut;
}

TEST(OutputText, FindingsSortedByFileThenPosition) {
  RunResult run;
  run.files.push_back(fileWith("b.rs", "fn x() {}\nfn y() {}\n"));
  run.files.push_back(fileWith("a.rs", "fn x() {}\nfn y() {}\n"));
  for (FileResult& file : run.files) {
    addFinding(file, "c", rangeOf(file.source->text(), "y"), Fix::unavailable("r"), Outcome::NoFix);
    addFinding(file, "c", rangeOf(file.source->text(), "x"), Fix::unavailable("r"), Outcome::NoFix);
  }
  std::vector<std::string> headers;
  for (const std::string& line : linesOf(text(run).out))
    if (line.find(": warning:") != std::string::npos) headers.push_back(line.substr(0, line.find(": warning:")));
  EXPECT_EQ(headers, (std::vector<std::string>{"a.rs:1:4", "a.rs:2:4", "b.rs:1:4", "b.rs:2:4"}));
}

TEST(OutputText, ColorOnlyWhenAsked) {
  RunResult run = wrapperRun(Outcome::Fixable, safeReplace(rangeOf(kWrapper, "inner(x).await"), "inner(x)"));
  std::string plain = text(run).out;
  std::string colored = text(run, {RunMode::Check, false, true, false}).out;
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  EXPECT_NE(colored.find("\x1b[1msrc/lib.rs:2:5:\x1b[0m"), std::string::npos) << colored;
  EXPECT_NE(colored.find("\x1b[1;35mwarning:\x1b[0m"), std::string::npos);
  EXPECT_NE(colored.find("\x1b[32mfix (run with --apply): do the thing\x1b[0m"), std::string::npos);
  run.files[0].findings[0].isError = true;
  EXPECT_NE(text(run, {RunMode::Check, false, true, false}).out.find("\x1b[1;31merror:\x1b[0m"), std::string::npos);
}

TEST(OutputText, SummaryCountsAndHints) {
  RunResult run;
  run.filesScanned = 3;
  run.files.push_back(fileWith("a.rs", kWrapper));
  FileResult& file = run.files[0];
  TextRange call = rangeOf(kWrapper, "inner(x).await");
  addFinding(file, "forward-await", call, safeReplace(call, "inner(x)"), Outcome::Fixable);
  addFinding(file, "forward-await", call, safeReplace(call, "inner(x)"), Outcome::Fixable);
  addFinding(file, "hoist-await", call, Fix::unsafe("hoist", "`g` may be eager", {TextEdit{call, "g"}}),
             Outcome::NeedsUnsafeFixes);
  addFinding(file, "hoist-await", call, Fix::unavailable("no"), Outcome::NoFix);
  FileResult skipped;
  skipped.path = "bin.rs";
  skipped.skipped = "binary file (contains NUL bytes)";
  run.files.push_back(skipped);

  Text check = text(run);
  EXPECT_EQ(check.summary,
            "bin.rs: skipped: binary file (contains NUL bytes)\n"
            "3 files scanned (1 skipped), 4 findings: 2 forward-await, 2 hoist-await.\n"
            "2 fixes available, none applied (check only).\n"
            "Not fixed: 1 needs --unsafe-fixes, 1 has no automatic fix.\n"
            "hint: run with --apply to apply 2 fixes; --unsafe-fixes would also apply 1 fix that may change "
            "behaviour (read each reason first).\n");

  Text quiet = text(run, {RunMode::Check, false, false, true});
  EXPECT_EQ(quiet.summary, "bin.rs: skipped: binary file (contains NUL bytes)\n");
  EXPECT_EQ(quiet.out, check.out);
}

TEST(OutputText, SummaryAfterApplyAndInternalErrors) {
  RunResult run;
  run.filesScanned = 1;
  run.files.push_back(fileWith("a.rs", kWrapper));
  FileResult& file = run.files[0];
  TextRange call = rangeOf(kWrapper, "inner(x).await");
  addFinding(file, "forward-await", call, safeReplace(call, "inner(x)"), Outcome::Applied);
  file.setFixedText("async fn outer(x: u32) -> u32 {\n    inner(x)\n}\n");
  file.fixesApplied = 2;  // one more in a later pass
  file.internalError = "a `forward-await` fix produced code that does not parse; it was dropped";
  EXPECT_EQ(text(run, {RunMode::Apply, false, false, false}).summary,
            "a.rs: error: a `forward-await` fix produced code that does not parse; it was dropped\n"
            "1 file scanned (1 with an internal error), 1 finding: 1 forward-await.\n"
            "2 fixes applied, 1 file changed.\n");

  RunResult clean;
  clean.filesScanned = 4;
  EXPECT_EQ(text(clean).summary, "4 files scanned, no findings.\n");
}

// --- JSON --------------------------------------------------------------------------------------

llvm::json::Value parsedJson(const std::string& text) {
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(text);
  if (!value) {
    ADD_FAILURE() << llvm::toString(value.takeError()) << "\n" << text;
    return nullptr;
  }
  return std::move(*value);
}

TEST(OutputJson, FilesFindingsAndSummary) {
  std::string source = "fn f() {\n    async {\n        g().await\n    }\n}\n";
  RunResult run;
  run.filesScanned = 2;
  run.files.push_back(fileWith("src/a.rs", source));
  TextRange block = rangeOf(source, "async {\n        g().await\n    }");
  ReportedFinding& reported = addFinding(run.files[0], "redundant-async-block", block,
                                         safeReplace(block, "g()", "use the future"), Outcome::Applied);
  reported.finding.notes.push_back(Note{rangeOf(source, "g()"), "awaited here"});
  run.files[0].setFixedText("fn f() {\n    g()\n}\n");
  run.files[0].fixesApplied = 1;
  run.files[0].passes = 2;
  FileResult skipped;
  skipped.path = "src/b.rs";
  skipped.skipped = "not valid UTF-8";
  run.files.push_back(skipped);

  std::string out;
  llvm::raw_string_ostream stream(out);
  printJson(run, {RunMode::Apply, false, false, false}, stream);
  stream.flush();
  llvm::json::Value root = parsedJson(out);
  const Object* object = root.getAsObject();
  ASSERT_NE(object, nullptr);
  EXPECT_EQ(object->getInteger("version"), 1);
  EXPECT_EQ(object->getString("mode"), "apply");

  const Array* files = object->getArray("files");
  ASSERT_TRUE(files && files->size() == 2);
  const Object* a = (*files)[0].getAsObject();
  EXPECT_EQ(a->getString("path"), "src/a.rs");
  EXPECT_EQ(a->getBoolean("changed"), true);
  EXPECT_EQ(a->getInteger("fixesApplied"), 1);
  EXPECT_EQ(a->getInteger("passes"), 2);
  EXPECT_EQ(a->get("skipped"), nullptr);
  EXPECT_EQ((*files)[1].getAsObject()->getString("skipped"), "not valid UTF-8");

  const Array* findings = object->getArray("findings");
  ASSERT_TRUE(findings && findings->size() == 1);
  const Object* finding = (*findings)[0].getAsObject();
  EXPECT_EQ(finding->getString("check"), "redundant-async-block");
  EXPECT_EQ(finding->getString("path"), "src/a.rs");
  EXPECT_EQ(finding->getString("severity"), "warning");
  EXPECT_EQ(finding->getString("outcome"), "applied");
  EXPECT_EQ(finding->getInteger("line"), 2);
  EXPECT_EQ(finding->getInteger("column"), 5);
  EXPECT_EQ(finding->getInteger("endLine"), 4);
  EXPECT_EQ(finding->getInteger("endColumn"), 6);
  EXPECT_EQ(finding->getObject("range")->getInteger("begin"), block.begin);
  EXPECT_EQ(finding->getObject("range")->getInteger("end"), block.end);
  const Object* fix = finding->getObject("fix");
  EXPECT_EQ(fix->getString("applicability"), "safe");
  EXPECT_EQ(fix->getString("description"), "use the future");
  EXPECT_EQ((*fix->getArray("edits"))[0].getAsObject()->getString("replacement"), "g()");
  const Object* note = (*finding->getArray("notes"))[0].getAsObject();
  EXPECT_EQ(note->getString("message"), "awaited here");
  EXPECT_EQ(note->getInteger("line"), 3);
  EXPECT_EQ(note->getInteger("column"), 9);

  const Object* summary = object->getObject("summary");
  EXPECT_EQ(summary->getInteger("filesScanned"), 2);
  EXPECT_EQ(summary->getInteger("filesSkipped"), 1);
  EXPECT_EQ(summary->getInteger("fixesApplied"), 1);
  EXPECT_EQ(summary->getObject("findingsPerCheck")->getInteger("redundant-async-block"), 1);
  EXPECT_EQ(summary->getObject("outcomes")->getInteger("applied"), 1);
  EXPECT_EQ(summary->getObject("outcomes")->getInteger("no-fix"), 0);
}

// --- SARIF -------------------------------------------------------------------------------------

Object sarifRun(const RunResult& run, OutputOptions options, llvm::json::Value& root) {
  std::string out;
  llvm::raw_string_ostream stream(out);
  printSarif(run, options, stream);
  stream.flush();
  root = parsedJson(out);
  const Object* log = root.getAsObject();
  EXPECT_EQ(log->getString("$schema"), "https://json.schemastore.org/sarif-2.1.0.json");
  EXPECT_EQ(log->getString("version"), "2.1.0");
  const Array* runs = log->getArray("runs");
  EXPECT_TRUE(runs && runs->size() == 1);
  return *(*runs)[0].getAsObject();
}

const Object& at(const Array* array, size_t index) {
  EXPECT_TRUE(array && index < array->size());
  return *(*array)[index].getAsObject();
}

TEST(OutputSarif, DriverRulesAndResults) {
  std::string source = "fn f() {\n    let s = \"é😀\"; g().await;\n    let s = \"é😀\"; g().await;\n}\n";
  RunResult run;
  run.files.push_back(fileWith("src/lib.rs", source));
  TextRange first = rangeOf(source, "g().await"), second = rangeOf(source, "g().await", first.end);
  addFinding(run.files[0], "not-a-linked-rule", second, Fix::unavailable("no"), Outcome::NoFix).isError = true;
  addFinding(run.files[0], "not-a-linked-rule", first, safeReplace(first, "g()"), Outcome::Fixable);
  run.files[0].findings[1].finding.notes.push_back(Note{rangeOf(source, "fn f"), "in here"});

  llvm::json::Value root = nullptr;
  Object sarif = sarifRun(run, {}, root);
  const Object* driver = sarif.getObject("tool")->getObject("driver");
  EXPECT_EQ(driver->getString("name"), "coro-fix");
  EXPECT_EQ(driver->getString("version"), CORO_FIX_VERSION);
  const Array* rules = driver->getArray("rules");
  // Each check once, though a check may have a Rust and a C++ half.
  std::vector<CheckHalves> checks = allChecks();
  ASSERT_EQ(rules->size(), checks.size() + 1);
  std::set<std::string> ids;
  for (size_t i = 0; i < checks.size(); ++i) {
    const Object& rule = at(rules, i);
    EXPECT_TRUE(ids.insert(std::string(*rule.getString("id"))).second) << "listed twice: " << rule.getString("id")->str();
    EXPECT_EQ(rule.getString("id"), llvm::StringRef(checks[i].first->id()));
    EXPECT_EQ(rule.getObject("shortDescription")->getString("text"), llvm::StringRef(checks[i].first->summary()));
    EXPECT_TRUE(rule.getObject("fullDescription")->getString("text"));
    EXPECT_TRUE(rule.getObject("help")->getString("markdown"));
    EXPECT_EQ(rule.getObject("defaultConfiguration")->getString("level"), "warning");
    if (auto doc = ruleDoc(checks[i].first->id())) {
      EXPECT_EQ(rule.getObject("help")->getString("text"), llvm::StringRef(*doc));
      // The first paragraph of "What it finds", unwrapped.
      std::string full = std::string(*rule.getObject("fullDescription")->getString("text"));
      EXPECT_EQ(full.find('\n'), std::string::npos) << full;
      EXPECT_NE(doc->find(full.substr(0, full.find(' ', 20))), std::string_view::npos) << full;
    }
  }
  EXPECT_EQ(sarif.getString("columnKind"), "utf16CodeUnits");

  const Array* results = sarif.getArray("results");
  ASSERT_EQ(results->size(), 2u);
  const Object& result = at(results, 0);  // line 2 comes first
  EXPECT_EQ(result.getString("ruleId"), "not-a-linked-rule");
  EXPECT_EQ(at(rules, *result.getInteger("ruleIndex")).getString("id"), "not-a-linked-rule");
  EXPECT_EQ(at(rules, *result.getInteger("ruleIndex")).getString("name"), "NotALinkedRule");
  EXPECT_EQ(result.getString("level"), "warning");
  EXPECT_EQ(result.getObject("message")->getString("text"), "found it");
  const Object* physical = at(result.getArray("locations"), 0).getObject("physicalLocation");
  EXPECT_EQ(physical->getObject("artifactLocation")->getString("uri"), "src/lib.rs");
  EXPECT_EQ(physical->getObject("artifactLocation")->getString("uriBaseId"), "%SRCROOT%");
  const Object* region = physical->getObject("region");
  // `    let s = "é😀"; ` is 22 bytes but 19 UTF-16 code units.
  EXPECT_EQ(region->getInteger("startLine"), 2);
  EXPECT_EQ(region->getInteger("startColumn"), 20);
  EXPECT_EQ(region->getInteger("endLine"), 2);
  EXPECT_EQ(region->getInteger("endColumn"), 29);
  EXPECT_EQ(at(result.getArray("relatedLocations"), 0).getObject("message")->getString("text"), "in here");

  // The same check on the same trimmed line text: one hash, numbered by occurrence.
  std::string hash1 = std::string(*result.getObject("partialFingerprints")->getString("primaryLocationLineHash"));
  std::string hash2 =
      std::string(*at(results, 1).getObject("partialFingerprints")->getString("primaryLocationLineHash"));
  EXPECT_TRUE(std::regex_match(hash1, std::regex("[0-9a-f]{16}:1"))) << hash1;
  EXPECT_EQ(hash2, hash1.substr(0, 16) + ":2");
  EXPECT_EQ(at(results, 1).getString("level"), "error");

  // Only the fixable finding carries a fix.
  const Object& fix = at(result.getArray("fixes"), 0);
  const Object& change = at(fix.getArray("artifactChanges"), 0);
  EXPECT_EQ(change.getObject("artifactLocation")->getString("uri"), "src/lib.rs");
  const Object& replacement = at(change.getArray("replacements"), 0);
  EXPECT_EQ(replacement.getObject("deletedRegion")->getInteger("startColumn"), 20);
  EXPECT_EQ(replacement.getObject("insertedContent")->getString("text"), "g()");
  EXPECT_EQ(at(results, 1).get("fixes"), nullptr);
}

TEST(OutputSarif, FingerprintIgnoresIndentationAndPosition) {
  auto hashOf = [](std::string source) {
    RunResult run;
    run.files.push_back(fileWith("a.rs", source));
    addFinding(run.files[0], "c", rangeOf(source, "g().await"), Fix::unavailable("no"), Outcome::NoFix);
    llvm::json::Value root = nullptr;
    Object sarif = sarifRun(run, {}, root);
    return std::string(
        *at(sarif.getArray("results"), 0).getObject("partialFingerprints")->getString("primaryLocationLineHash"));
  };
  std::string hash = hashOf("fn f() {\n    g().await;\n}\n");
  EXPECT_EQ(hashOf("// moved\n\nfn f() {\n\t\tg().await;   \n}\n"), hash);
  EXPECT_NE(hashOf("fn f() {\n    g().await?;\n}\n"), hash);
}

TEST(OutputSarif, AppliedFixesAreNotOfferedAndOutsidePathsAreAbsolute) {
  RunResult run = wrapperRun(Outcome::Applied, safeReplace(rangeOf(kWrapper, "inner(x).await"), "inner(x)"));
  run.files[0].path = "/nonexistent-coro-fix-root/lib.rs";
  FileResult broken;
  broken.path = "./src/broken.rs";
  broken.internalError = "internal trouble";
  run.files.push_back(broken);
  llvm::json::Value root = nullptr;
  Object sarif = sarifRun(run, {RunMode::Apply, false, false, false}, root);
  const Object& result = at(sarif.getArray("results"), 0);
  EXPECT_EQ(result.get("fixes"), nullptr);
  const Object* artifact = at(result.getArray("locations"), 0).getObject("physicalLocation")->getObject("artifactLocation");
  EXPECT_EQ(artifact->getString("uri"), "file:///nonexistent-coro-fix-root/lib.rs");
  EXPECT_EQ(artifact->get("uriBaseId"), nullptr);

  const Object& invocation = at(sarif.getArray("invocations"), 0);
  EXPECT_EQ(invocation.getBoolean("executionSuccessful"), false);
  const Object& notification = at(invocation.getArray("toolExecutionNotifications"), 0);
  EXPECT_EQ(notification.getString("level"), "error");
  EXPECT_EQ(at(notification.getArray("locations"), 0).getObject("physicalLocation")->getObject("artifactLocation")->getString("uri"),
            "src/broken.rs");

  // In diff mode nothing was written, so the fix is still the user's to apply.
  Object diff = sarifRun(run, {RunMode::Diff, false, false, false}, root);
  EXPECT_NE(at(diff.getArray("results"), 0).get("fixes"), nullptr);
}

// --- export fixes ------------------------------------------------------------------------------

clang::tooling::TranslationUnitDiagnostics parsedYaml(const std::string& yaml) {
  clang::tooling::TranslationUnitDiagnostics document;
  llvm::yaml::Input input(yaml);
  input >> document;
  EXPECT_FALSE(input.error()) << yaml;
  return document;
}

/// Applies every exported replacement to `disk`, as clang-apply-replacements would.
std::string applyExported(const clang::tooling::TranslationUnitDiagnostics& document, const std::string& disk) {
  clang::tooling::Replacements all;
  for (const auto& diagnostic : document.Diagnostics)
    for (const auto& [path, replacements] : diagnostic.Message.Fix)
      for (const auto& replacement : replacements) {
        llvm::Error error = all.add(replacement);
        EXPECT_FALSE(error) << llvm::toString(std::move(error));
      }
  auto applied = clang::tooling::applyAllReplacements(disk, all);
  EXPECT_TRUE(bool(applied));
  return applied ? *applied : "";
}

TEST(OutputExportFixes, CrlfFileWithBomRoundTripsThroughClangYaml) {
  std::string disk = "\xEF\xBB\xBF" "async fn outer(x: u32) -> u32 {\r\n    inner(x).await\r\n}\r\n";
  RunResult run;
  run.files.push_back(fileWith("src/lib.rs", disk));
  FileResult& file = run.files[0];
  const std::string& text = file.source->text();
  TextRange call = rangeOf(text, "inner(x).await"), head = rangeOf(text, "async fn");
  ReportedFinding& reported = addFinding(
      file, "forward-await", call,
      Fix::safe("return the future", {TextEdit{head, "fn"}, TextEdit{call, "// the future\n    inner(x)"},
                                      TextEdit{{call.end, call.end}, "\n    // done"}}),
      Outcome::Fixable, "async fn only awaits");
  reported.isError = true;
  reported.finding.notes.push_back(Note{rangeOf(text, "}"), "ends here"});

  std::string yaml = exportFixesYaml(run, {}, "/build/dir");
  clang::tooling::TranslationUnitDiagnostics document = parsedYaml(yaml);
  EXPECT_EQ(document.MainSourceFile, "/build/dir/src/lib.rs");
  ASSERT_EQ(document.Diagnostics.size(), 1u) << yaml;
  const clang::tooling::Diagnostic& diagnostic = document.Diagnostics[0];
  EXPECT_EQ(diagnostic.DiagnosticName, "forward-await");
  EXPECT_EQ(diagnostic.DiagLevel, clang::tooling::Diagnostic::Error);
  EXPECT_EQ(diagnostic.BuildDirectory, "/build/dir");
  EXPECT_EQ(diagnostic.Message.Message, "async fn only awaits");
  EXPECT_EQ(diagnostic.Message.FilePath, "/build/dir/src/lib.rs");
  EXPECT_EQ(diagnostic.Message.FileOffset, disk.find("inner(x).await"));
  ASSERT_EQ(diagnostic.Message.Ranges.size(), 1u);
  EXPECT_EQ(diagnostic.Message.Ranges[0].Length, std::string("inner(x).await").size());
  ASSERT_EQ(diagnostic.Notes.size(), 1u);
  EXPECT_EQ(diagnostic.Notes[0].FileOffset, disk.find('}'));

  const clang::tooling::Replacements& replacements = diagnostic.Message.Fix.lookup("/build/dir/src/lib.rs");
  ASSERT_EQ(replacements.size(), 2u);  // the insertion right after the call joins the call's edit
  const clang::tooling::Replacement& first = *replacements.begin();
  EXPECT_EQ(first.getOffset(), 3u);  // after the BOM
  EXPECT_EQ(first.getLength(), 8u);
  EXPECT_EQ(first.getReplacementText(), "fn");
  const clang::tooling::Replacement& second = *std::next(replacements.begin());
  EXPECT_EQ(second.getOffset(), disk.find("inner(x).await"));
  EXPECT_EQ(second.getReplacementText(), "// the future\r\n    inner(x)\r\n    // done");

  EXPECT_EQ(applyExported(document, disk),
            "\xEF\xBB\xBF" "fn outer(x: u32) -> u32 {\r\n    // the future\r\n    inner(x)\r\n    // done\r\n}\r\n");
  EXPECT_NE(yaml.find("MainSourceFile:"), std::string::npos);
  EXPECT_NE(yaml.find("DiagnosticName:  forward-await"), std::string::npos) << yaml;
}

TEST(OutputExportFixes, OnlyFixesTheRunTakesWithoutConflicts) {
  std::string source = "fn a() {}\nfn b() {}\nfn c() {}\nfn d() {}\n";
  RunResult run;
  run.files.push_back(fileWith("x.rs", source));
  FileResult& file = run.files[0];
  TextRange a = rangeOf(source, "a"), b = rangeOf(source, "b"), c = rangeOf(source, "c"), d = rangeOf(source, "d");
  addFinding(file, "later-in-order", d, safeReplace(d, "dd"), Outcome::Fixable);
  addFinding(file, "no-fix", a, Fix::unavailable("no"), Outcome::NoFix);
  addFinding(file, "unsafe", b, Fix::unsafe("u", "eager", {TextEdit{b, "bb"}}), Outcome::NeedsUnsafeFixes);
  addFinding(file, "overlaps-d", d, safeReplace({d.begin, d.end + 2}, "ddd"), Outcome::Fixable);
  addFinding(file, "near-error", c, safeReplace(c, "cc"), Outcome::NearParseError);

  auto names = [](const clang::tooling::TranslationUnitDiagnostics& document) {
    std::vector<std::string> result;
    for (const auto& diagnostic : document.Diagnostics) result.push_back(diagnostic.DiagnosticName);
    return result;
  };
  clang::tooling::TranslationUnitDiagnostics safeOnly = parsedYaml(exportFixesYaml(run, {}, "/b"));
  EXPECT_EQ(names(safeOnly), std::vector<std::string>{"later-in-order"});
  EXPECT_EQ(applyExported(safeOnly, source), "fn a() {}\nfn b() {}\nfn c() {}\nfn dd() {}\n");

  OutputOptions unsafe{RunMode::Check, true, false, false};
  EXPECT_EQ(names(parsedYaml(exportFixesYaml(run, unsafe, "/b"))), (std::vector<std::string>{"unsafe", "later-in-order"}));

  RunResult none;
  EXPECT_TRUE(parsedYaml(exportFixesYaml(none, {}, "/b")).Diagnostics.empty());
}

TEST(OutputExportFixes, LaterPassFindingsAreLeftOut) {
  RunResult run;
  run.files.push_back(fileWith("x.rs", "fn a() { b().await }\n"));
  FileResult& file = run.files[0];
  TextRange call = rangeOf(file.source->text(), "b().await");
  addFinding(file, "first", call, safeReplace(call, "b()"), Outcome::Applied);
  file.setFixedText("fn a() {\n    c().await\n}\n");
  // A later pass found this in the fixed text; its fix was not taken, but pretend the flag is on.
  ReportedFinding later;
  later.finding = Finding{"later", "m", rangeOf(file.fixedText(), "c().await"),
                          {}, Fix::unsafe("u", "eager", {TextEdit{rangeOf(file.fixedText(), "c()"), "d()"}})};
  later.outcome = Outcome::NeedsUnsafeFixes;
  later.line = 2, later.column = 5, later.sourceLine = "    c().await";
  file.findings.push_back(later);
  auto document = parsedYaml(exportFixesYaml(run, {RunMode::Apply, true, false, false}, "/b"));
  ASSERT_EQ(document.Diagnostics.size(), 1u);
  EXPECT_EQ(document.Diagnostics[0].DiagnosticName, "first");
}

TEST(OutputExportFixes, FilesWithOneElementTuplesAreLeftOutWithAComment) {
  // clang-apply-replacements' C++ cleanup would turn `(x,)` into `(x)` in any statement it touches.
  auto exported = [](std::string source) {
    RunResult run;
    run.files.push_back(fileWith("t.rs", source));
    TextRange call = rangeOf(source, "g(");
    addFinding(run.files[0], "c", call, safeReplace({call.begin, call.begin + 1}, "h"), Outcome::Fixable);
    return exportFixesYaml(run, {}, "/b");
  };
  for (const char* tuple : {"fn f() { g((x,)); }\n", "fn f() { let (a,) = g(t); }\n",
                            "fn f() -> (u32,) { g(1) }\n", "fn f() { println!(\"{:?}\", (x,)); g(1); }\n"}) {
    std::string yaml = exported(tuple);
    EXPECT_EQ(yaml.rfind("# t.rs: fixes left out: it has a one-element tuple", 0), 0u) << yaml;
    EXPECT_TRUE(parsedYaml(yaml).Diagnostics.empty()) << yaml;
  }
  for (const char* harmless : {"fn f() { g(a, b,); }\n", "fn f() { println!(\"{}\", a,); g(1); }\n",
                               "fn f() { g((a, b)); }\n"})
    EXPECT_EQ(parsedYaml(exported(harmless)).Diagnostics.size(), 1u) << harmless;
}

// --- unified diff ------------------------------------------------------------------------------

std::string numbered(int from, int to) {
  std::string text;
  for (int i = from; i <= to; ++i) text += "line " + std::to_string(i) + "\n";
  return text;
}

TEST(OutputUnifiedDiff, EqualTextsGiveNothing) { EXPECT_EQ(unifiedDiff("a.rs", "x\ny\n", "x\ny\n"), ""); }

TEST(OutputUnifiedDiff, ChangeInTheMiddleWithThreeLinesOfContext) {
  std::string before = numbered(1, 10);
  std::string after = before;
  after.replace(after.find("line 5\n"), 7, "five\n");
  EXPECT_EQ(unifiedDiff("src/a.rs", before, after),
            "--- a/src/a.rs\n+++ b/src/a.rs\n"
            "@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+five\n line 6\n line 7\n line 8\n");
}

TEST(OutputUnifiedDiff, InsertAtStartAndDeleteAtEnd) {
  EXPECT_EQ(unifiedDiff("a", numbered(1, 5), "new\n" + numbered(1, 5)),
            "--- a/a\n+++ b/a\n@@ -1,3 +1,4 @@\n+new\n line 1\n line 2\n line 3\n");
  EXPECT_EQ(unifiedDiff("a", numbered(1, 5), numbered(1, 4)),
            "--- a/a\n+++ b/a\n@@ -2,4 +2,3 @@\n line 2\n line 3\n line 4\n-line 5\n");
  EXPECT_EQ(unifiedDiff("a", "", "x\ny\n"), "--- a/a\n+++ b/a\n@@ -0,0 +1,2 @@\n+x\n+y\n");
  EXPECT_EQ(unifiedDiff("a", "x\n", ""), "--- a/a\n+++ b/a\n@@ -1 +0,0 @@\n-x\n");
}

TEST(OutputUnifiedDiff, MissingNewlineAtEndOfFile) {
  EXPECT_EQ(unifiedDiff("a", "x\ny", "x\nz"),
            "--- a/a\n+++ b/a\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n"
            "\\ No newline at end of file\n");
  EXPECT_EQ(unifiedDiff("a", "x\ny", "x\ny\n"),
            "--- a/a\n+++ b/a\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y\n");
  EXPECT_EQ(unifiedDiff("a", "x\n", "x\ny"), "--- a/a\n+++ b/a\n@@ -1 +1,2 @@\n x\n+y\n\\ No newline at end of file\n");
}

TEST(OutputUnifiedDiff, NearbyChangesShareAHunkDistantOnesDoNot) {
  std::string before = numbered(1, 20);
  auto changed = [&](std::vector<int> lines) {
    std::string after = before;
    for (int line : lines) {
      std::string old = "line " + std::to_string(line) + "\n";
      after.replace(after.find(old), old.size(), "changed " + std::to_string(line) + "\n");
    }
    return unifiedDiff("a", before, after);
  };
  std::string near = changed({5, 12});  // six unchanged lines between: the contexts touch (as GNU diff)
  EXPECT_EQ(std::count(near.begin(), near.end(), '@'), 4) << near;
  EXPECT_NE(near.find("@@ -2,14 +2,14 @@\n"), std::string::npos) << near;
  std::string far = changed({5, 13});
  EXPECT_EQ(std::count(far.begin(), far.end(), '@'), 8) << far;
  EXPECT_NE(far.find("@@ -2,7 +2,7 @@\n"), std::string::npos) << far;
  EXPECT_NE(far.find("@@ -10,7 +10,7 @@\n"), std::string::npos) << far;
}

/// The lines of `text`, each with its '\n' (the last may have none).
std::vector<std::string> linesWithEnds(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    end = end == std::string::npos ? text.size() : end + 1;
    lines.push_back(text.substr(at, end - at));
    at = end;
  }
  return lines;
}

/// Applies a unified diff to `before`, checking every context and removed line against it.
std::string patched(const std::string& before, const std::string& diff) {
  std::vector<std::string> old = linesWithEnds(before), lines = linesOf(diff);
  std::string result;
  size_t next = 0;  // the next line of `old` not yet copied
  const std::regex hunkHeader(R"(@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@)");
  for (size_t i = 2; i < lines.size(); ++i) {
    std::smatch header;
    if (std::regex_match(lines[i], header, hunkHeader)) {
      size_t start = std::stoul(header[1]), count = header[2].matched ? std::stoul(header[2]) : 1;
      size_t first = count == 0 ? start : start - 1;
      EXPECT_GE(first, next);
      for (; next < first && next < old.size(); ++next) result += old[next];
      continue;
    }
    bool endsWithoutNewline = i + 1 < lines.size() && lines[i + 1] == "\\ No newline at end of file";
    std::string line = lines[i].substr(1) + (endsWithoutNewline ? "" : "\n");
    if (lines[i][0] == '+') {
      result += line;
    } else {
      EXPECT_TRUE(lines[i][0] == ' ' || lines[i][0] == '-') << lines[i];
      EXPECT_LT(next, old.size());
      if (next < old.size()) {
        EXPECT_EQ(old[next], line);
      }
      if (lines[i][0] == ' ') result += line;
      ++next;
    }
    if (endsWithoutNewline) ++i;
  }
  for (; next < old.size(); ++next) result += old[next];
  return result;
}

/// The number of lines a shortest line diff removes and adds: n + m - 2 * LCS.
size_t shortestEditLength(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::vector<size_t>> lcs(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j)
      lcs[i][j] = a[i - 1] == b[j - 1] ? lcs[i - 1][j - 1] + 1 : std::max(lcs[i - 1][j], lcs[i][j - 1]);
  return a.size() + b.size() - 2 * lcs[a.size()][b.size()];
}

TEST(OutputUnifiedDiff, RandomTextsPatchBackWithAShortestEditScript) {
  std::mt19937 random(20240601);
  auto randomText = [&] {
    std::string text;
    for (unsigned lines = random() % 30; lines > 0; --lines) text += std::string(1, 'a' + random() % 4) + "\n";
    if (!text.empty() && random() % 4 == 0) text.pop_back();  // sometimes no newline at the end
    return text;
  };
  for (int round = 0; round < 500; ++round) {
    std::string before = randomText(), after = randomText();
    std::string diff = unifiedDiff("f", before, after);
    SCOPED_TRACE(before + "----\n" + after + "----\n" + diff);
    EXPECT_EQ(patched(before, diff), after);
    std::vector<std::string> diffLines = linesOf(diff);
    size_t edits = 0;
    for (size_t i = 2; i < diffLines.size(); ++i) edits += diffLines[i][0] == '+' || diffLines[i][0] == '-';
    EXPECT_EQ(edits, shortestEditLength(linesWithEnds(before), linesWithEnds(after)));
  }
}

}  // namespace
}  // namespace corofix
