// hoist-await, C++ half: shapes that are not matched, the conditions that leave a finding without
// a fix, names and placements of the rewrite, on snippets the fixtures do not cover.
#include <gtest/gtest.h>

#include "tests/unit/cpp_rule_test_support.h"

namespace corofix {
namespace {

using testing::runCppRule;

/// A translation unit with awaitable `send(int, int)`, `put(int)`/`put(char)` and the coroutine `f`
/// whose body is `body`.
std::string inCoroutine(std::string_view body) {
  return "#include \"task.h\"\n"
         "fx::task<> send(int code, int port) { co_return; }\n"
         "fx::task<> put(int v) { co_return; }\n"
         "fx::task<> put(char v) { co_return; }\n"
         "int next();\n"
         "fx::task<> f(int c) {\n" +
         std::string(body) + "}\n";
}

struct Checked {
  testing::CppRuleRun run;
  const CppFinding& only() const {
    EXPECT_EQ(run.findings.size(), 1u) << run.errors;
    return run.findings.at(0);
  }
  /// The reason the only finding has no fix (empty when it has one).
  std::string reason() const { return only().fix.reason; }
  bool fixed() const { return only().fix.applicability == Applicability::Safe; }
};

Checked check(const std::string& code) {
  Checked c{runCppRule("hoist-await", code)};
  EXPECT_EQ(c.run.errors, "");
  return c;
}

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

TEST(HoistAwaitCpp, SwitchWithDefaultAwaitsOnceAfterIt) {
  auto c = check(inCoroutine(
      "  switch (c) {\n"
      "    case 1:\n"
      "      co_await send(10, 80);\n"
      "      break;\n"
      "    default:\n"
      "      co_await send(20, 80);\n"
      "      break;\n"
      "  }\n"));
  ASSERT_TRUE(c.fixed()) << c.reason();
  EXPECT_TRUE(has(c.run.fixed,
                  "  int code;\n"
                  "  switch (c) {\n"
                  "    case 1:\n"
                  "      code = 10;\n"
                  "      break;\n"
                  "    default:\n"
                  "      code = 20;\n"
                  "      break;\n"
                  "  }\n"
                  "  co_await send(code, 80);\n}"))
      << c.run.fixed;
  EXPECT_TRUE(has(c.only().message, "2 arms"));
  EXPECT_EQ(c.only().notes.size(), 2u);
}

TEST(HoistAwaitCpp, SwitchWithoutDefaultAwaitsOnlyWhenAnArmWasTaken) {
  auto c = check(inCoroutine("  switch (c) { case 1: co_await send(1, 2); break; case 2: co_await send(3, 2); }\n"));
  ASSERT_TRUE(c.fixed()) << c.reason();
  // On one line the default goes inline, and the last arm gets the `break` it needs before it.
  EXPECT_TRUE(has(c.run.fixed,
                  "  int code;\n"
                  "  bool call_send = true;\n"
                  "  switch (c) { case 1: code = 1; break; case 2: code = 3; break; default: call_send = false; }\n"
                  "  if (call_send) co_await send(code, 2);\n"))
      << c.run.fixed;
}

TEST(HoistAwaitCpp, ArmsThatOnlyBreakClearTheFlag) {
  auto c = check(inCoroutine(
      "  switch (c) {\n"
      "    case 1:\n"
      "      co_await send(1, 2);\n"
      "      break;\n"
      "    case 2:\n"
      "      break;\n"
      "    default:\n"
      "      co_await send(3, 2);\n"
      "  }\n"));
  ASSERT_TRUE(c.fixed()) << c.reason();
  EXPECT_TRUE(has(c.only().message, "in 2 arms (the others only `break`)"));
  EXPECT_TRUE(has(c.run.fixed,
                  "  int code;\n"
                  "  bool call_send = true;\n"
                  "  switch (c) {\n"
                  "    case 1:\n"
                  "      code = 1;\n"
                  "      break;\n"
                  "    case 2:\n"
                  "      call_send = false;\n"
                  "      break;\n"
                  "    default:\n"
                  "      code = 3;\n"
                  "  }\n"
                  "  if (call_send) co_await send(code, 2);\n"))
      << c.run.fixed;
  // Falling through into an arm that only breaks is still a fallthrough.
  EXPECT_TRUE(has(check(inCoroutine("  switch (c) { case 1: co_await send(1, 2); case 2: break; default: co_await send(3, 2); }\n"))
                      .reason(),
                  "`case 1` has no `break`: it falls through into `case 2`"));
}

TEST(HoistAwaitCpp, ShapesThatAreNotMatched) {
  // One arm, an arm awaiting another callee, mixed forms, an `if constexpr`, and awaits that are not calls.
  EXPECT_TRUE(check(inCoroutine("  if (c) co_await send(1, 2);\n")).run.findings.empty());
  EXPECT_TRUE(check(inCoroutine("  if (c) co_await send(1, 2); else co_await put(3);\n")).run.findings.empty());
  EXPECT_TRUE(check(inCoroutine("  switch (c) { case 1: co_return co_await send(1, 2); default: co_await send(2, 2); }\n"))
                  .run.findings.empty());
  EXPECT_TRUE(check(inCoroutine("  if constexpr (true) co_await send(1, 2); else co_await send(2, 2);\n"))
                  .run.findings.empty());
  EXPECT_TRUE(check(inCoroutine("  auto t = send(1, 2);\n  if (c) co_await std::move(t); else co_await send(2, 2);\n"))
                  .run.findings.empty());
}

TEST(HoistAwaitCpp, IfChainAndAssignmentFormInALambda) {
  auto c = check(
      "#include \"task.h\"\n"
      "fx::task<int> get(int key) { co_return key; }\n"
      "auto g = [](int c) -> fx::task<int> {\n"
      "  int v = 0;\n"
      "  if (c > 0) v = co_await get(1); else if (c < 0) { v = co_await get(-1); } else v = co_await get(0);\n"
      "  co_return v;\n"
      "};\n");
  ASSERT_TRUE(c.fixed()) << c.reason();
  EXPECT_TRUE(has(c.run.fixed,
                  "  int key;\n"
                  "  if (c > 0) key = 1; else if (c < 0) { key = -1; } else key = 0;\n"
                  "  v = co_await get(key);\n"))
      << c.run.fixed;
}

TEST(HoistAwaitCpp, NewNamesShadowNothingTheFunctionUses) {
  auto c = check(inCoroutine("  int code = 4;\n  if (c) co_await send(code, 1); else co_await send(5, 1);\n"));
  ASSERT_TRUE(c.fixed()) << c.reason();
  EXPECT_TRUE(has(c.run.fixed, "  int code2;\n  if (c) code2 = code; else code2 = 5;\n  co_await send(code2, 1);\n"))
      << c.run.fixed;
}

TEST(HoistAwaitCpp, UnnamedParameterGetsTheCalleesName) {
  auto c = check(
      "#include \"task.h\"\n"
      "fx::task<> beep(int, int) { co_return; }\n"
      "fx::task<> f(bool c) { if (c) co_await beep(1, 2); else co_await beep(3, 4); }\n");
  ASSERT_TRUE(c.fixed()) << c.reason();
  EXPECT_TRUE(has(c.run.fixed,
                  "{ int beep_arg1; int beep_arg2; if (c) { beep_arg1 = 1; beep_arg2 = 2; } else { beep_arg1 = 3; "
                  "beep_arg2 = 4; } co_await beep(beep_arg1, beep_arg2); }"))
      << c.run.fixed;
}

TEST(HoistAwaitCpp, NonDependentCallsInATemplateAreFixed) {
  auto c = check(
      "#include \"task.h\"\n"
      "fx::task<> send(int code) { co_return; }\n"
      "template <typename T>\n"
      "fx::task<> f(T t, bool c) {\n"
      "  if (c) co_await send(1); else co_await send(2);\n"
      "}\n"
      "auto use = f(1.0, true);\n");
  ASSERT_TRUE(c.fixed()) << c.reason();
}

TEST(HoistAwaitCpp, ReasonsOfTheShape) {
  EXPECT_TRUE(has(check(inCoroutine("  if (c == 1) co_await send(1, 2); else if (c == 2) co_await send(3, 2);\n")).reason(),
                  "has no final `else`"));
  EXPECT_TRUE(has(check(inCoroutine("  switch (c) { case 1: co_await send(1, 2); case 2: co_await send(3, 2); break; "
                                    "default: co_await send(4, 2); }\n"))
                      .reason(),
                  "`case 1` has no `break`: it falls through into `case 2`"));
  EXPECT_TRUE(has(check(inCoroutine("  if (c) { next(); co_await send(1, 2); } else co_await send(3, 2);\n")).reason(),
                  "`if (c)` does more than the await (`next()`)"));
  EXPECT_TRUE(has(check(inCoroutine("  if (c) co_await put(1); else co_await put('x');\n")).reason(),
                  "different overloads: `put(int)` in `if (c)` and `put(char)` in `else`"));
  EXPECT_TRUE(has(check("#include \"task.h\"\nfx::task<> send(int v, int port = 80) { co_return; }\n"
                        "fx::task<> f(bool c) { if (c) co_await send(1); else co_await send(2, 443); }\n")
                      .reason(),
                  "`if (c)` passes 1 arguments and `else` passes 2; default arguments fill the rest"));
  EXPECT_TRUE(has(check(inCoroutine("  if (c) co_await send(1, 2); else co_await send(1, 2);\n")).reason(),
                  "every arm makes the identical call"));
  EXPECT_TRUE(has(check(inCoroutine("  if (c) switch (c) { case 1: co_await send(1, 2); break; default: co_await "
                                    "send(3, 2); }\n"))
                      .reason(),
                  "not directly inside a `{ }` block"));
}

TEST(HoistAwaitCpp, ReasonsOfTheObjectAndTheTarget) {
  std::string link =
      "#include \"task.h\"\n"
      "struct Link { fx::task<int> send(int v) { co_return v; } };\n"
      "Link& pick();\n";
  EXPECT_TRUE(has(check(link + "fx::task<> f(bool c, Link a, Link b) { if (c) co_await a.send(1); else co_await "
                               "b.send(2); }\n")
                      .reason(),
                  "call `send` on different objects"));
  EXPECT_TRUE(has(check(link + "fx::task<> f(bool c) { if (c) co_await pick().send(1); else co_await pick().send(2); }\n")
                      .reason(),
                  "the object `pick()` may have side effects"));
  EXPECT_TRUE(has(check(link + "fx::task<> f(bool c, Link a, int x, int y) { if (c) x = co_await a.send(1); else y = "
                               "co_await a.send(2); }\n")
                      .reason(),
                  "assign the result to different places"));
}

TEST(HoistAwaitCpp, ReasonsOfTheArguments) {
  EXPECT_TRUE(has(check(inCoroutine("  if (c) co_await put(1); else co_await put(2);\n  if (c) co_await send(1, 2); "
                                    "else co_await send('a', 2);\n"))
                      .run.findings.at(1)
                      .fix.reason,
                  "arguments of different types to `code`: `int` in `if (c)` and `char` in `else`"));
  EXPECT_TRUE(has(check("#include \"task.h\"\n#include <string>\n"
                        "fx::task<> say(std::string s) { co_return; }\n"
                        "fx::task<> f(bool c) { if (c) co_await say(\"a\"); else co_await say(\"b\"); }\n")
                      .reason(),
                  "has class type"));
  EXPECT_TRUE(has(check("#include \"task.h\"\n#include <string>\n"
                        "fx::task<> say(const char* s) { co_return; }\n"
                        "fx::task<> f(bool c, std::string a) { if (c) co_await say(std::string(a).c_str()); else "
                        "co_await say(\"b\"); }\n")
                      .reason(),
                  "holds the temporary `std::string(a)`"));
  EXPECT_TRUE(has(check("#include \"task.h\"\n"
                        "fx::task<> log(const char* format, ...) { return fx::task<>::ready(); }\n"
                        "fx::task<> f(bool c) { if (c) co_await log(\"%d\", 1); else co_await log(\"%d\", 2); }\n")
                      .reason(),
                  "goes to `...`"));
}

TEST(HoistAwaitCpp, TheParameterTypeMustBeNameableWhereTheVariableGoes) {
  std::string device =
      "#include \"task.h\"\n"
      "class Dev {\n"
      "  enum class Reg { A, B };\n"
      " public:\n"
      "  static constexpr Reg first = Reg::A, second = Reg::B;\n"
      "  fx::task<> write(Reg r) { co_return; }\n";
  auto inside = check(device + "  fx::task<> both(bool c) { if (c) co_await write(Reg::A); else co_await write(Reg::B); }\n};\n");
  EXPECT_TRUE(inside.fixed()) << inside.reason();
  EXPECT_TRUE(has(inside.run.fixed, "{ Dev::Reg r; if (c) r = Reg::A; else r = Reg::B; co_await write(r); }"))
      << inside.run.fixed;
  EXPECT_TRUE(has(check(device + "};\nfx::task<> f(Dev& d, bool c) { if (c) co_await d.write(Dev::first); else co_await "
                                 "d.write(Dev::second); }\n")
                      .reason(),
                  "is a non-public member of `Dev`"));
  EXPECT_TRUE(has(check("#include \"task.h\"\nenum { Lo, Hi };\nfx::task<> level(decltype(Lo) v) { co_return; }\n"
                        "fx::task<> f(bool c) { if (c) co_await level(Lo); else co_await level(Hi); }\n")
                      .reason(),
                  "has no name to declare a variable with"));
}

TEST(HoistAwaitCpp, ReasonsOfTheEvaluationOrder) {
  // A differing argument that reads state, with a shared one that has side effects.
  EXPECT_TRUE(has(check(inCoroutine("  int a = 1, b = 2;\n  if (c) co_await send(a, next()); else co_await send(b, next());\n"))
                      .reason(),
                  "`a` would be evaluated before `next()`, which has side effects"));
  // A differing argument with side effects, with a shared one that is not a constant.
  EXPECT_TRUE(has(check(inCoroutine("  int p = 80;\n  if (c) co_await send(next(), p); else co_await send(1, p);\n")).reason(),
                  "`next()` has side effects and would be evaluated before `p`"));
  // A constant shared argument commutes with it.
  EXPECT_TRUE(check(inCoroutine("  if (c) co_await send(next(), 80); else co_await send(1, 80);\n")).fixed());
}

TEST(HoistAwaitCpp, ReasonsOfScopesLabelsCommentsAndMacros) {
  EXPECT_TRUE(has(check(inCoroutine("  if (int p = next()) co_await send(1, p); else co_await send(2, p);\n")).reason(),
                  "`p` is declared by the statement itself"));
  EXPECT_TRUE(has(check(inCoroutine("  switch (c) { case 1: co_await send(1, 2); break; case 2: co_await send(3, 2); }\n"
                                    "again:\n  if (next()) goto again;\n"))
                      .reason(),
                  "the label at `again` follows in the same block"));
  EXPECT_TRUE(has(check(inCoroutine("  if (c) co_await send(1, 2); else co_await /* port */ send(3, 2);\n")).reason(),
                  "the comment `/* port */` in `else` would be lost"));
  std::string send = "#include \"task.h\"\nfx::task<> send(int v) { co_return; }\n";
  EXPECT_TRUE(has(check(send + "#define SEND(v) co_await send(v)\n"
                               "fx::task<> f(bool c) { if (c) SEND(1); else co_await send(2); }\n")
                      .reason(),
                  "the await in `if (c)` is written by a macro"));
  // A statement that a macro writes whole is not reported where the macro is used.
  EXPECT_TRUE(check(send + "#define PICK if (c) co_await send(1); else co_await send(2)\n"
                           "fx::task<> f(bool c) { PICK; }\n")
                  .run.findings.empty());
}

TEST(HoistAwaitCpp, MacrosAsWholeArgumentsMoveAsWritten) {
  auto c = check(inCoroutine("#define PORT_A 1\n#define PORT_B(n) (n + 1)\n"
                             "  if (c) co_await send(PORT_A, 2); else co_await send(PORT_B(3), 2);\n"));
  ASSERT_TRUE(c.fixed()) << c.reason();
  EXPECT_TRUE(has(c.run.fixed, "if (c) code = PORT_A; else code = PORT_B(3);\n  co_await send(code, 2);")) << c.run.fixed;
}

TEST(HoistAwaitCpp, CommentsBesideADifferingArgumentMoveWithIt) {
  auto c = check(inCoroutine("  if (c) co_await send(/* fast */ 1, 2); else co_await send(3 /* slow */, 2);\n"));
  ASSERT_TRUE(c.fixed()) << c.reason();
  EXPECT_TRUE(has(c.run.fixed, "if (c) code = /* fast */ 1; else code = 3 /* slow */;\n  co_await send(code, 2);"))
      << c.run.fixed;
}

}  // namespace
}  // namespace corofix
