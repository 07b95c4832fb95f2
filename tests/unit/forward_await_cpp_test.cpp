// forward-await, C++ half: the matcher's shapes and each safety condition's exact reason, on
// snippets the runnable fixtures cannot hold (callees only declared, a promise with
// await_transform, throwing moves, default arguments).
#include <gtest/gtest.h>

#include "tests/unit/cpp_rule_test_support.h"

namespace corofix {
namespace {

using testing::runCppRule;

/// Callees for every case: coroutines defined here, so they are known to do nothing until awaited.
constexpr std::string_view kPrelude = R"(#include "task.h"
#include <memory>
#include <string>
fx::task<int> twice(int n) { co_return 2 * n; }
fx::task<int> length(const std::string& s) { co_return static_cast<int>(s.size()); }
fx::task<int> owned_length(std::string s) { co_return static_cast<int>(s.size()); }
fx::task<int> deref(const int* p) { co_return *p; }
fx::task<> tick() { co_return; }
)";

std::string withPrelude(std::string_view code) { return std::string(kPrelude) + std::string(code); }

struct Checked {
  testing::CppRuleRun run;
  const CppFix& fix() const { return run.findings.at(0).fix; }
  bool reasonHas(std::string_view part) const { return fix().reason.find(part) != std::string::npos; }
};

Checked check(std::string_view code, bool unsafeFixes = false) {
  Checked c{runCppRule("forward-await", withPrelude(code), unsafeFixes)};
  EXPECT_EQ(c.run.errors, "");
  return c;
}

/// The one finding's fix is unavailable, and its reason contains `part`.
void expectUnavailable(std::string_view code, std::string_view part) {
  auto c = check(code);
  ASSERT_EQ(c.run.findings.size(), 1u) << code;
  EXPECT_EQ(c.fix().applicability, Applicability::Unavailable) << code;
  EXPECT_TRUE(c.reasonHas(part)) << "reason: " << c.fix().reason << "\nwanted: " << part;
  EXPECT_EQ(c.run.fixed, withPrelude(code));
}

TEST(ForwardAwaitCpp, RewritesAFreeFunction) {
  auto c = check("fx::task<int> quad(int n) { co_return co_await twice(n + 1); }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Safe) << c.fix().reason;
  EXPECT_EQ(c.run.fixed, withPrelude("fx::task<int> quad(int n) { return twice(n + 1); }\n"));
  EXPECT_NE(c.run.findings[0].message.find("coroutine `quad` only awaits `twice`"), std::string::npos);
}

TEST(ForwardAwaitCpp, KeepsParenthesesAroundTheCall) {
  auto c = check("fx::task<int> quad(int n) { co_return co_await (twice(n)); }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.run.fixed, withPrelude("fx::task<int> quad(int n) { return (twice(n)); }\n"));
}

TEST(ForwardAwaitCpp, VoidFormDropsTheCoreturnAndKeepsComments) {
  auto c = check("fx::task<> beat() {\n  co_await tick();  // one\n  // two\n  co_return;\n}\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.run.fixed, withPrelude("fx::task<> beat() {\n  return tick();  // one\n  // two\n}\n"));
}

TEST(ForwardAwaitCpp, IgnoresOtherShapes) {
  for (std::string_view code : {
           "fx::task<int> f(int n) { co_return 1 + co_await twice(n); }\n",
           "fx::task<int> f(int n) { int m = n; co_return co_await twice(m); }\n",
           "fx::task<int> f(int n) { co_return co_await twice(co_await twice(n)); }\n",
           "fx::task<int> f(int n) { co_await tick(); co_return co_await twice(n); }\n",
           "fx::task<int> f(int n) { co_return n; }\n",
           "fx::task<int> f(int n) { return twice(n); }\n",
       }) {
    auto c = check(code);
    EXPECT_TRUE(c.run.findings.empty()) << code;
  }
}

TEST(ForwardAwaitCpp, ReferenceToByValueParameter) {
  expectUnavailable("fx::task<int> f(std::string s) { co_return co_await length(s); }\n",
                    "the parameter `const std::string & s` of `length` would refer to by-value parameter `s`, which "
                    "dies when `f` returns");
}

TEST(ForwardAwaitCpp, JudgesTheDefinitionNotAPriorDeclaration) {
  expectUnavailable("fx::task<int> f(std::string s);\n"
                    "fx::task<int> f(std::string s) { co_return co_await length(s); }\n",
                    "would refer to by-value parameter `s`");
}

TEST(ForwardAwaitCpp, ReferenceToTemporary) {
  expectUnavailable("fx::task<int> f() { co_return co_await length(std::string(\"abc\")); }\n",
                    "would refer to the temporary `std::string(\"abc\")`");
}

TEST(ForwardAwaitCpp, DefaultArgumentBindsATemporary) {
  expectUnavailable("fx::task<int> sized(int n, const std::string& s = std::string(\"x\"));\n"
                    "fx::task<int> f(int n) { co_return co_await sized(n); }\n",
                    "the parameter `const std::string & s` of `sized` would refer to the temporary");
}

TEST(ForwardAwaitCpp, AddressOfByValueParameter) {
  expectUnavailable("fx::task<int> f(int n) { co_return co_await deref(&n); }\n",
                    "`&n` takes the address of by-value parameter `n`, which dies when `f` returns");
}

TEST(ForwardAwaitCpp, ViewOfAByValueParameter) {
  expectUnavailable("fx::task<int> view_length(std::string_view v) { co_return static_cast<int>(v.size()); }\n"
                    "fx::task<int> f(std::string s) { co_return co_await view_length(s); }\n",
                    "the argument `s` calls a function");
}

TEST(ForwardAwaitCpp, CopyThatMayThrow) {
  expectUnavailable("fx::task<int> f(std::string s) { co_return co_await owned_length(s); }\n",
                    "`s` copies with a constructor that may throw");
}

TEST(ForwardAwaitCpp, MoveFromTheCallersObject) {
  expectUnavailable("fx::task<int> f(std::string&& s) { co_return co_await owned_length(std::move(s)); }\n",
                    "moves from an object the caller owns");
}

TEST(ForwardAwaitCpp, ParameterWithDestructorNotPassedOn) {
  expectUnavailable("fx::task<int> f(std::string s, int n) { co_return co_await twice(n); }\n",
                    "by-value parameter `s` has a destructor and is not passed on with `std::move`");
}

TEST(ForwardAwaitCpp, MovedParameterIsSafe) {
  auto c = check("fx::task<int> f(std::string s) { co_return co_await owned_length(std::move(s)); }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Safe) << c.fix().reason;
}

TEST(ForwardAwaitCpp, CalleeParameterWhoseMoveMayThrow) {
  expectUnavailable("struct Heavy { Heavy(); Heavy(const Heavy&); };\n"
                    "fx::task<int> weigh(Heavy h, int n) { co_return n; }\n"
                    "fx::task<int> f(int n) { co_return co_await weigh(Heavy(), n); }\n",
                    "`weigh`'s parameter `h` is a `Heavy`, whose move may throw");
}

TEST(ForwardAwaitCpp, ImpureArgument) {
  expectUnavailable("int counter;\nfx::task<int> f() { co_return co_await twice(counter++); }\n",
                    "the argument `counter++` modifies its operand");
}

TEST(ForwardAwaitCpp, NoexceptWrapper) {
  expectUnavailable("fx::task<int> f(int n) noexcept { co_return co_await twice(n); }\n", "`f` is `noexcept`");
}

TEST(ForwardAwaitCpp, ReturnTypeConversion) {
  expectUnavailable("fx::task<long> f(int n) { co_return co_await twice(n); }\n",
                    "`twice(n)` is a `fx::task<int>`, not the `fx::task<long>` `f` returns");
}

TEST(ForwardAwaitCpp, AwaitingAnXvalue) {
  expectUnavailable("struct Holder { fx::task<int> pending;\n"
                    "  fx::task<int> f() { co_return co_await std::move(pending); } };\n",
                    "`std::move(pending)` is not a prvalue");
}

TEST(ForwardAwaitCpp, CallThroughAFunctionPointer) {
  expectUnavailable("fx::task<int> f(fx::task<int> (*op)(int), int n) { co_return co_await op(n); }\n",
                    "`op(n)` does not name the function it calls");
}

TEST(ForwardAwaitCpp, CopyOfThisAsTheObject) {
  expectUnavailable("struct C { int v; fx::task<int> get() const { co_return v; }\n"
                    "  fx::task<int> f() const { co_return co_await C(*this).get(); } };\n",
                    "the object of `get` would refer to a copy of `*this` (`C(*this)`)");
}

TEST(ForwardAwaitCpp, ByValueObject) {
  expectUnavailable("struct C { int v; fx::task<int> get() const { co_return v; } };\n"
                    "fx::task<int> f(C c) { co_return co_await c.get(); }\n",
                    "the object of `get` would refer to by-value parameter `c`");
}

TEST(ForwardAwaitCpp, ObjectOwnedByASmartPointerParameter) {
  auto c = check("struct C { int v; fx::task<int> get() const { co_return v; } };\n"
                 "fx::task<int> f(std::shared_ptr<C> c) { co_return co_await c->get(); }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unavailable);
}

TEST(ForwardAwaitCpp, ObjectThroughARawPointerIsSafe) {
  auto c = check("struct C { int v; fx::task<int> get() const { co_return v; } };\n"
                 "fx::task<int> f(const C* c) { co_return co_await c->get(); }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Safe) << c.fix().reason;
}

TEST(ForwardAwaitCpp, MacroInTheArguments) {
  expectUnavailable("#define TIMES 3\nfx::task<int> f() { co_return co_await twice(TIMES); }\n",
                    "the body uses macro `TIMES`");
}

TEST(ForwardAwaitCpp, PromiseWithAwaitTransform) {
  expectUnavailable(R"(struct xtask {
  struct promise_type {
    xtask get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
    template <class A> A&& await_transform(A&& a) { return static_cast<A&&>(a); }
  };
  bool await_ready() { return true; }
  void await_suspend(std::coroutine_handle<>) {}
  void await_resume() {}
};
xtask inner() { co_return; }
xtask outer() { co_await inner(); }
)",
                    "has `await_transform`, which runs on this `co_await`");
}

TEST(ForwardAwaitCpp, TemplateWithDependentCall) {
  expectUnavailable("template <typename T> fx::task<int> f(T t) { co_return co_await length(t); }\n",
                    "in this template, `length`'s result type depends on a template parameter");
}

TEST(ForwardAwaitCpp, TemplateWithDependentByValueParameter) {
  expectUnavailable("template <typename T> fx::task<int> f(T t, int n) { co_return co_await twice(n); }\n",
                    "by-value parameter `t` has type `T`, which depends on a template parameter");
}

TEST(ForwardAwaitCpp, ClassTemplateMember) {
  expectUnavailable("template <typename T> struct S { fx::task<int> get() const;\n"
                    "  fx::task<int> f() const { co_return co_await get(); } };\n",
                    "depends on a template parameter");
}

TEST(ForwardAwaitCpp, TemplateInstantiationsAreNotReportedAgain) {
  auto c = check("template <int N> fx::task<int> f() { co_return co_await twice(N); }\n"
                 "fx::task<int> use() { return f<3>(); }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Safe) << c.fix().reason;
}

TEST(ForwardAwaitCpp, ReadingTheCallersStateIsUnsafe) {
  std::string code = "struct C { int id; fx::task<int> f() const { co_return co_await twice(id); } };\n";
  auto c = check(code);
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unsafe);
  EXPECT_TRUE(c.reasonHas("the value of `id` is read when `f` is called instead of at its first resume"));
  EXPECT_EQ(c.run.fixed, withPrelude(code));
  auto applied = check(code, /*unsafeFixes=*/true);
  EXPECT_EQ(applied.run.fixed,
            withPrelude("struct C { int id; fx::task<int> f() const { return twice(id); } };\n"));
}

TEST(ForwardAwaitCpp, TrivialMoveFromTheCallerIsARead) {
  auto c = check("struct Point { int x, y; };\nfx::task<int> norm(Point p) { co_return p.x + p.y; }\n"
                 "fx::task<int> f(Point&& p) { co_return co_await norm(std::move(p)); }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unsafe);
  EXPECT_TRUE(c.reasonHas("the value of `std::move(p)` is read")) << c.fix().reason;
}

TEST(ForwardAwaitCpp, ConstantsAreNotReads) {
  auto c = check("constexpr int kTimes = 3;\nfx::task<int> f() { co_return co_await twice(kTimes * 2); }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Safe) << c.fix().reason;
}

TEST(ForwardAwaitCpp, CalleeOnlyDeclaredIsUnsafe) {
  auto c = check("fx::task<int> remote(int n);\nfx::task<int> f(int n) { co_return co_await remote(n); }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unsafe);
  EXPECT_TRUE(c.reasonHas("`remote` is not defined in this translation unit"));
}

TEST(ForwardAwaitCpp, VirtualCalleeIsUnsafe) {
  auto c = check("struct Source { virtual fx::task<int> read(int n) { co_return n; } };\n"
                 "fx::task<int> f(Source& s, int n) { co_return co_await s.read(n); }\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unsafe);
  EXPECT_TRUE(c.reasonHas("`read` is virtual")) << c.fix().reason;
}

TEST(ForwardAwaitCpp, LambdaWithoutCapturesIsRewritten) {
  auto c = check("auto f = [](int n) -> fx::task<int> { co_return co_await twice(n); };\n");
  ASSERT_EQ(c.run.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Safe) << c.fix().reason;
  EXPECT_EQ(c.run.fixed, withPrelude("auto f = [](int n) -> fx::task<int> { return twice(n); };\n"));
}

TEST(ForwardAwaitCpp, LambdaWithCaptures) {
  expectUnavailable("int g() { int k = 1;\n"
                    "  auto f = [&k]() -> fx::task<int> { co_return co_await twice(k); }; (void)f; return 0; }\n",
                    "the lambda captures `[&k]`");
}

}  // namespace
}  // namespace corofix
