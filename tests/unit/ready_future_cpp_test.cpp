// ready-future's C++ half on snippets: the factory spelling, each safety condition's reason, and
// shapes the runnable fixtures do not cover (lambdas, aliases, free-function factories, UB risks).
#include <gtest/gtest.h>

#include "tests/unit/cpp_rule_test_support.h"

namespace corofix {
namespace {

using testing::runCppRule;

const CheckOptions kFxFactory = {{"ready-future.Factories", "fx::task=fx::task<>::ready"}};

struct Checked {
  testing::CppRuleRun run;
  const CppFinding& finding() const { return run.findings.at(0); }
  Applicability applicability() const { return finding().fix.applicability; }
  bool reasonHas(std::string_view part) const { return finding().fix.reason.find(part) != std::string::npos; }
};

Checked check(const std::string& body, const CheckOptions& options = kFxFactory, bool unsafeFixes = false) {
  Checked c{runCppRule("ready-future", "#include \"task.h\"\n" + body, unsafeFixes, options)};
  EXPECT_EQ(c.run.errors, "");
  return c;
}

std::string withTask(const std::string& body) { return "#include \"task.h\"\n" + body; }

TEST(ReadyFutureCpp, LiteralBecomesTheFactoryCall) {
  auto c = check("fx::task<int> answer() { co_return 42; }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.applicability(), Applicability::Safe);
  EXPECT_EQ(c.run.fixed, withTask("fx::task<int> answer() { return fx::task<int>::ready(42); }\n"));
  EXPECT_NE(c.finding().message.find("never suspends"), std::string::npos);
  EXPECT_NE(c.finding().message.find("14161 -> 12177 B"), std::string::npos);
}

TEST(ReadyFutureCpp, VoidTaskKeepsTheArgumentsAsWritten) {
  EXPECT_EQ(check("fx::task<> done() { co_return; }\n").run.fixed,
            withTask("fx::task<> done() { return fx::task<>::ready(); }\n"));
  EXPECT_EQ(check("fx::task<void> finished() { co_return; }\n").run.fixed,
            withTask("fx::task<void> finished() { return fx::task<void>::ready(); }\n"));
}

TEST(ReadyFutureCpp, ParenthesizedOperandGetsASpace) {
  EXPECT_EQ(check("fx::task<int> f() { co_return(1); }\n").run.fixed,
            withTask("fx::task<int> f() { return fx::task<int>::ready((1)); }\n"));
}

TEST(ReadyFutureCpp, AliasedTaskTypeIsSpelledFullyQualified) {
  auto c = check("namespace app { struct Point { int x, y; }; }\nusing point_task = fx::task<app::Point>;\n"
                 "point_task origin(app::Point p) { co_return p; }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.applicability(), Applicability::Safe);
  EXPECT_NE(c.run.fixed.find("return fx::task<app::Point>::ready(p);"), std::string::npos) << c.run.fixed;
}

TEST(ReadyFutureCpp, ParameterAndConstantsAreFixedAtTheCall) {
  auto c = check("enum class Color { red, green };\nconstexpr unsigned kBase = 10;\n"
                 "fx::task<unsigned> offset(unsigned x) { co_return x * 2u + kBase; }\n"
                 "fx::task<Color> color() { co_return Color::green; }\n");
  ASSERT_EQ(c.run.findings.size(), 2u);
  EXPECT_EQ(c.run.findings[0].fix.applicability, Applicability::Safe);
  EXPECT_EQ(c.run.findings[1].fix.applicability, Applicability::Safe);
}

TEST(ReadyFutureCpp, CommaOperandIsParenthesized) {
  auto c = check("fx::task<int> last(int a, int b) { co_return (void)a, b; }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.run.fixed, withTask("fx::task<int> last(int a, int b) { return fx::task<int>::ready(((void)a, b)); }\n"));
}

TEST(ReadyFutureCpp, LambdaIsFixed) {
  auto c = check("auto make = []() -> fx::task<int> { co_return 7; };\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.run.fixed, withTask("auto make = []() -> fx::task<int> { return fx::task<int>::ready(7); };\n"));
}

TEST(ReadyFutureCpp, NoFactoryNamesTheOption) {
  auto c = check("fx::task<int> answer() { co_return 42; }\n", {});
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.applicability(), Applicability::Unavailable);
  EXPECT_TRUE(c.reasonHas("no ready factory is configured for `fx::task`: set `ready-future.Factories`"))
      << c.finding().fix.reason;
}

TEST(ReadyFutureCpp, FactoryThatIsNotDeclaredIsNotUsed) {
  auto misspelled = check("fx::task<int> answer() { co_return 42; }\n",
                          {{"ready-future.Factories", "fx::task=fx::task<>::make_ready"}});
  ASSERT_EQ(misspelled.run.findings.size(), 1u);
  EXPECT_EQ(misspelled.applicability(), Applicability::Unavailable);
  EXPECT_TRUE(misspelled.reasonHas("names `fx::task<int>::make_ready` for `fx::task`, but no public function"))
      << misspelled.finding().fix.reason;
  auto otherNamespace = check("fx::task<int> answer() { co_return 42; }\n",
                              {{"ready-future.Factories", "fx::task=fx::ready"}});
  EXPECT_EQ(otherNamespace.applicability(), Applicability::Unavailable);
}

TEST(ReadyFutureCpp, FreeFunctionFactoryWithTemplateArguments) {
  auto c = check("namespace lib {\ntemplate <typename T> fx::task<T> make_ready(T v) { return fx::task<T>::ready(v); }\n}\n"
                 "fx::task<long> wide(long v) { co_return v; }\n",
                 {{"ready-future.Factories", "::fx::task = lib::make_ready<>; other::task = x"}});
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.applicability(), Applicability::Safe) << c.finding().fix.reason;
  EXPECT_NE(c.run.fixed.find("return lib::make_ready<long>(v);"), std::string::npos) << c.run.fixed;
}

constexpr std::string_view kVariadicFuture =
    "namespace ss {\n"
    "template <typename... T> struct returns { void return_value(T...) {} };\n"
    "template <> struct returns<> { void return_void() {} };\n"
    "template <typename... T> struct future { struct promise_type : returns<T...> {\n"
    "  future get_return_object() { return {}; }\n"
    "  std::suspend_never initial_suspend() noexcept { return {}; }\n"
    "  std::suspend_never final_suspend() noexcept { return {}; }\n"
    "  void unhandled_exception() {} }; };\n"
    "template <typename... T, typename... A> future<T...> make_ready_future(A&&...) { return {}; }\n"
    "}\n";

TEST(ReadyFutureCpp, VariadicFutureLikeSeastar) {
  CheckOptions options = {{"ready-future.Factories", "ss::future=ss::make_ready_future<>"}};
  std::string code = std::string(kVariadicFuture);
  EXPECT_NE(check(code + "ss::future<int> f(int x) { co_return x; }\n", options)
                .run.fixed.find("return ss::make_ready_future<int>(x);"),
            std::string::npos);
  EXPECT_NE(check(code + "ss::future<> g() { co_return; }\n", options).run.fixed.find("return ss::make_ready_future<>();"),
            std::string::npos);
}

TEST(ReadyFutureCpp, RvalueOnlyFactoryDoesNotTakeAParameter) {
  auto c = check("namespace lib { fx::task<int> ready_int(int&& v) { return fx::task<int>::ready(v); } }\n"
                 "fx::task<int> f(int v) { co_return v; }\nfx::task<int> g() { co_return 1; }\n",
                 {{"ready-future.Factories", "fx::task=lib::ready_int"}});
  ASSERT_EQ(c.run.findings.size(), 2u);
  EXPECT_EQ(c.run.findings[0].fix.applicability, Applicability::Unavailable);
  EXPECT_EQ(c.run.findings[1].fix.applicability, Applicability::Safe);
}

TEST(ReadyFutureCpp, BodyWithStatementsIsReportedWithoutFix) {
  auto c = check("#include <cstdio>\nfx::task<int> f() { std::puts(\"hi\"); co_return 1; }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.applicability(), Applicability::Unavailable);
  EXPECT_TRUE(c.reasonHas("the body is more than `co_return expr;`: `std::puts(\"hi\")` would run when `f` is "
                          "called"))
      << c.finding().fix.reason;
}

TEST(ReadyFutureCpp, SuspendingCoroutinesAreNotThisRule) {
  auto c = check("fx::task<int> one() { co_return 1; }\n"
                 "fx::task<int> two() { int x = co_await one(); co_return x + 1; }\n"
                 "fx::task<int> three() { co_return co_await one(); }\n"
                 "fx::task<int> four() { auto l = []() -> fx::task<int> { co_return 4; }; co_return co_await l(); }\n");
  ASSERT_EQ(c.run.findings.size(), 2u);  // `one` and the lambda in `four`
}

TEST(ReadyFutureCpp, NoexceptHasNoFix) {
  auto c = check("fx::task<int> f() noexcept { co_return 1; }\n");
  EXPECT_EQ(c.applicability(), Applicability::Unavailable);
  EXPECT_TRUE(c.reasonHas("`f` is `noexcept`")) << c.finding().fix.reason;
}

TEST(ReadyFutureCpp, ConversionHasNoFix) {
  auto c = check("fx::task<long> f(int x) { co_return x; }\n");
  EXPECT_EQ(c.applicability(), Applicability::Unavailable);
  EXPECT_TRUE(c.reasonHas("`x` has type `int`, not the value type `long`")) << c.finding().fix.reason;
}

TEST(ReadyFutureCpp, ValueWithNonTrivialCopyHasNoFix) {
  auto c = check("#include <string>\nfx::task<std::string> f(std::string s) { co_return s; }\n"
                 "fx::task<std::string> g(const std::string& s) { co_return s; }\n");
  ASSERT_EQ(c.run.findings.size(), 2u);
  EXPECT_NE(c.run.findings[0].fix.reason.find("parameter `s` of type `std::string` is moved into the coroutine frame"),
            std::string::npos)
      << c.run.findings[0].fix.reason;
  EXPECT_NE(c.run.findings[1].fix.reason.find("copying or destroying the value type `std::string` runs code"),
            std::string::npos)
      << c.run.findings[1].fix.reason;
}

TEST(ReadyFutureCpp, CallsThrowOrHaveEffects) {
  auto c = check("int next();\nint peek() noexcept;\n[[gnu::const]] int square(int x) noexcept;\n"
                 "fx::task<int> a() { co_return next(); }\nfx::task<int> b() { co_return peek(); }\n"
                 "fx::task<int> c(int x) { co_return square(x); }\n");
  ASSERT_EQ(c.run.findings.size(), 3u);
  EXPECT_NE(c.run.findings[0].fix.reason.find("`next()` may throw: the exception would leave `a` when it is called"),
            std::string::npos)
      << c.run.findings[0].fix.reason;
  EXPECT_NE(c.run.findings[1].fix.reason.find("`peek()` may have side effects"), std::string::npos)
      << c.run.findings[1].fix.reason;
  EXPECT_EQ(c.run.findings[2].fix.applicability, Applicability::Safe) << c.run.findings[2].fix.reason;
}

TEST(ReadyFutureCpp, ThrowAndModificationsHaveNoFix) {
  auto c = check("#include <stdexcept>\n"
                 "fx::task<int> a(int x) { co_return x > 0 ? x : throw std::invalid_argument(\"x\"); }\n"
                 "fx::task<int> b(int x) { co_return ++x; }\n");
  ASSERT_EQ(c.run.findings.size(), 2u);
  EXPECT_NE(c.run.findings[0].fix.reason.find("may throw"), std::string::npos) << c.run.findings[0].fix.reason;
  EXPECT_NE(c.run.findings[1].fix.reason.find("`++x` may have side effects"), std::string::npos)
      << c.run.findings[1].fix.reason;
}

TEST(ReadyFutureCpp, StateThatMayChangeNeedsUnsafeFixes) {
  auto c = check("int counter;\nstruct S { int v; fx::task<int> get() { co_return v; }\n"
                 "  fx::task<int> self() { co_return this->v; } };\n"
                 "fx::task<int> global() { co_return counter; }\n"
                 "fx::task<int> ref(const int& x) { co_return x; }\n"
                 "fx::task<int> ptr(int* p) { co_return *p; }\n");
  ASSERT_EQ(c.run.findings.size(), 5u);
  for (const auto& f : c.run.findings) EXPECT_EQ(f.fix.applicability, Applicability::Unsafe);
  EXPECT_NE(c.run.findings[0].fix.reason.find("`v` is read through `this`: the coroutine reads it when its task is "
                                              "first resumed, the rewrite when `S::get` is called"),
            std::string::npos)
      << c.run.findings[0].fix.reason;
  EXPECT_NE(c.run.findings[2].fix.reason.find("`counter` is a variable from outside the coroutine"), std::string::npos);
  EXPECT_NE(c.run.findings[3].fix.reason.find("`x` is a reference parameter"), std::string::npos);
  EXPECT_NE(c.run.findings[4].fix.reason.find("`*p` is read through a pointer"), std::string::npos);
}

TEST(ReadyFutureCpp, MayBeUndefinedNeedsUnsafeFixes) {
  std::string sum = "fx::task<int> sum(int a, int b) { co_return a + b; }\n";
  std::string code = sum +
                     "fx::task<unsigned> quot(unsigned a, unsigned b) { co_return a / b; }\n"
                     "fx::task<int> half(int a) { co_return a / 2; }\n"
                     "fx::task<int> big() { co_return 1 << 20; }\n";
  auto c = check(code);
  ASSERT_EQ(c.run.findings.size(), 4u);
  EXPECT_EQ(c.run.findings[0].fix.applicability, Applicability::Unsafe);
  EXPECT_NE(c.run.findings[0].fix.reason.find("`a + b` may overflow (undefined behaviour): the coroutine evaluates "
                                              "it only if its task is awaited"),
            std::string::npos)
      << c.run.findings[0].fix.reason;
  EXPECT_EQ(c.run.findings[1].fix.applicability, Applicability::Unsafe);
  EXPECT_NE(c.run.findings[1].fix.reason.find("`a / b` may divide by zero"), std::string::npos);
  EXPECT_EQ(c.run.findings[2].fix.applicability, Applicability::Safe);
  EXPECT_EQ(c.run.findings[3].fix.applicability, Applicability::Safe);
  EXPECT_EQ(c.run.fixed.find("ready(a + b)"), std::string::npos);
  auto unsafe = check(sum, kFxFactory, true);
  EXPECT_NE(unsafe.run.fixed.find("return fx::task<int>::ready(a + b);"), std::string::npos);
}

TEST(ReadyFutureCpp, TemplatesAreJudgedByThePattern) {
  auto c = check("template <typename T> fx::task<T> wrap(T v) { co_return v; }\n"
                 "template <typename T> struct Box { fx::task<int> size() { co_return 4; } };\n"
                 "template <typename T> fx::task<int> one(T) { co_return 1; }\n"
                 "int use() { auto t = wrap(1); Box<int> b; auto s = b.size(); auto o = one(2); return 0; }\n");
  ASSERT_EQ(c.run.findings.size(), 3u);  // the patterns, not the instantiations
  EXPECT_EQ(c.run.findings[0].fix.applicability, Applicability::Unavailable);
  EXPECT_NE(c.run.findings[0].fix.reason.find("the task type `fx::task<T>` depends on template parameters"),
            std::string::npos)
      << c.run.findings[0].fix.reason;
  EXPECT_EQ(c.run.findings[1].fix.applicability, Applicability::Safe) << c.run.findings[1].fix.reason;
  EXPECT_NE(c.run.findings[2].fix.reason.find("an unnamed parameter has type `T`, which depends on template parameters"),
            std::string::npos)
      << c.run.findings[2].fix.reason;
}

TEST(ReadyFutureCpp, MacrosAreNotEdited) {
  auto c = check("#define ANSWER 42\n#define RETURN(v) co_return v\n"
                 "fx::task<int> a() { co_return ANSWER; }\nfx::task<int> b() { RETURN(1); }\n");
  ASSERT_EQ(c.run.findings.size(), 2u);
  EXPECT_NE(c.run.findings[0].fix.reason.find("the operand `ANSWER` comes from a macro"), std::string::npos)
      << c.run.findings[0].fix.reason;
  EXPECT_NE(c.run.findings[1].fix.reason.find("the `co_return` is written in a macro"), std::string::npos)
      << c.run.findings[1].fix.reason;
}

TEST(ReadyFutureCpp, NonTemplateTaskTypeHasNoFix) {
  auto c = check("struct job { struct promise_type {\n"
                 "  job get_return_object() { return {}; }\n"
                 "  std::suspend_never initial_suspend() noexcept { return {}; }\n"
                 "  std::suspend_never final_suspend() noexcept { return {}; }\n"
                 "  void return_void() {}\n  void unhandled_exception() {} }; };\n"
                 "job run() { co_return; }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_TRUE(c.reasonHas("the task type `job` is not a class template specialization")) << c.finding().fix.reason;
}

}  // namespace
}  // namespace corofix
