// ready-future matcher and safety conditions on cases the std-only fixtures cannot build (real
// attribute macros, foreign macros, edition 2015) and fine-grained ones: how `Future` is spelled,
// which outputs are Send, which parameters and captures have drop glue.
#include <gtest/gtest.h>

#include <algorithm>

#include "rewriter/rule.h"

namespace corofix {
namespace {

struct Checked {
  std::vector<Finding> findings;
  std::string text;

  const Fix& fix(size_t i = 0) const { return findings.at(i).fix; }
  /// The text after applying finding `i`'s fix.
  std::string fixed(size_t i = 0) const {
    std::string out = text;
    auto edits = fix(i).edits;
    std::sort(edits.begin(), edits.end(), [](const auto& a, const auto& b) { return a.range.begin > b.range.begin; });
    for (const auto& e : edits) out.replace(e.range.begin, e.range.end - e.range.begin, e.replacement);
    return out;
  }
  bool reasonHas(std::string_view part, size_t i = 0) const { return fix(i).reason.find(part) != std::string::npos; }
};

Checked check(std::string text, Edition edition = Edition::E2021) {
  Checked out{{}, std::move(text)};
  auto tree = SyntaxTree::parseRust(out.text);
  CalleeIndex index;
  FileContext context{edition, &index};
  CheckOptions options;
  const RustRule* rule = findRustRule("ready-future");
  EXPECT_NE(rule, nullptr);
  if (rule) out.findings = rule->check({"lib.rs", out.text, *tree, context, options});
  return out;
}

// --- the shape ---

TEST(ReadyFuture, RewritesAPureFreeFn) {
  auto c = check("pub(crate) async unsafe fn f(x: u32) -> u32 {\n    x\n}\n");
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Safe);
  EXPECT_EQ(c.fixed(), "pub(crate) unsafe fn f(x: u32) -> impl core::future::Future<Output = u32> {\n"
                       "    core::future::ready(x)\n}\n");
}

TEST(ReadyFuture, AwaitsElsewhereDoNotCount) {
  auto c = check("async fn f() -> u32 {\n    let g = async { h().await };\n"
                 "    let k = || async { h().await };\n    1\n}\n");
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unsafe);  // the statements run at call time
  EXPECT_TRUE(check("async fn f() -> u32 { h().await }\n").findings.empty());
}

TEST(ReadyFuture, MacrosThatAwait) {
  EXPECT_TRUE(check("async fn f() -> u32 { println!(\"{}\", g().await); 1 }\n").findings.empty());
  EXPECT_TRUE(check("async fn f() -> u32 { tokio::join!(a(), b()); 1 }\n").findings.empty());
  EXPECT_TRUE(check("macro_rules! wait { ($e:expr) => { $e.await }; }\n"
                    "async fn f() -> u32 { wait!(g()); 1 }\n")
                  .findings.empty());
  auto foreign = check("async fn f() -> u32 { log::info!(\"x\"); 1 }\n");
  ASSERT_EQ(foreign.findings.size(), 1u);
  EXPECT_EQ(foreign.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(foreign.reasonHas("cannot tell whether macro `info!` expands to an `.await` or a `return`"));
  auto std = check("async fn f() -> u32 { assert!(true); 1 }\n");
  ASSERT_EQ(std.findings.size(), 1u);
  EXPECT_EQ(std.fix().applicability, Applicability::Unsafe);
}

TEST(ReadyFuture, NotInTraitDefinitionsMacrosOrEdition2015) {
  EXPECT_TRUE(
      check("trait T {\n    async fn a(&self) -> u32;\n    async fn b(&self) -> u32 { 5 }\n}\n").findings.empty());
  EXPECT_TRUE(
      check("m! { async fn f() -> u32 { 1 } }\nmacro_rules! n { () => { async fn g() {} } }\n").findings.empty());
  EXPECT_TRUE(check("async fn f() -> u32 { 1 }\n", Edition::E2015).findings.empty());
}

// --- safety conditions ---

TEST(ReadyFuture, AttributeMacros) {
  auto onFn = check("#[tracing::instrument]\nasync fn f() -> u32 { 1 }\n");
  ASSERT_EQ(onFn.findings.size(), 1u);
  EXPECT_EQ(onFn.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(onFn.reasonHas("`#[tracing::instrument]` is an attribute macro"));
  auto onImpl = check("struct S;\n#[async_trait]\nimpl T for S {\n    async fn f(&self) -> u32 { 1 }\n}\n");
  ASSERT_EQ(onImpl.findings.size(), 1u);
  EXPECT_TRUE(onImpl.reasonHas("`#[async_trait]`"));
  // A macro on the function around them re-emits its body: nested code is fixed as usual.
  auto around = check("#[tokio::test]\nasync fn t() {\n    let f = async { 1 };\n    async fn g() {}\n}\n");
  ASSERT_EQ(around.findings.size(), 3u);
  EXPECT_TRUE(around.reasonHas("`#[tokio::test]`", 0));
  EXPECT_EQ(around.fix(1).applicability, Applicability::Safe);
  EXPECT_EQ(around.fix(2).applicability, Applicability::Safe);
  auto cfgMacro = check("#[cfg_attr(feature = \"trace\", inline, tracing::instrument(skip(x)))]\n"
                        "async fn f(x: u32) -> u32 { x }\n");
  EXPECT_EQ(cfgMacro.fix().applicability, Applicability::Unavailable);
  auto cfgBuiltin =
      check("#[cfg_attr(test, allow(dead_code), inline)]\n#[must_use]\nasync fn f(x: u32) -> u32 { x }\n");
  EXPECT_EQ(cfgBuiltin.fix().applicability, Applicability::Safe);
}

TEST(ReadyFuture, EarlyReturnsAndDivergence) {
  auto question = check("async fn f(s: &str) -> Result<u32, E> { Ok(s.parse::<u32>()?) }\n");
  EXPECT_EQ(question.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(question.reasonHas("returns early with `s.parse::<u32>()?`"));
  auto inMacro = check("async fn f(x: u32) -> u32 { println!(\"{}\", { return 1 }); x }\n");
  EXPECT_EQ(inMacro.fix().applicability, Applicability::Unavailable);
  auto inClosure = check("async fn f(x: u32) -> u32 { let g = |y: u32| { return y; }; x }\n");
  EXPECT_EQ(inClosure.fix().applicability, Applicability::Unsafe);
  auto bail = check("macro_rules! bail { () => { return 0 }; }\n"
                    "macro_rules! list { ($($e:expr),*) => { [$($e),*] }; }\n"
                    "async fn f(x: u32) -> u32 { if x > 1 { bail!(); } x }\n"
                    "async fn g(x: u32) -> [u32; 1] { list!(x) }\n");
  ASSERT_EQ(bail.findings.size(), 2u);
  EXPECT_TRUE(bail.reasonHas("the body returns early through macro `bail!`"));
  EXPECT_EQ(bail.fix(1).applicability, Applicability::Unsafe);  // `$(..),*` is a repetition, not a `?`
  auto diverges = check("async fn f() -> u32 { panic!(\"no\"); }\n");
  EXPECT_EQ(diverges.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(diverges.reasonHas("ends without a value"));
}

TEST(ReadyFuture, OutputsThatAreNotSend) {
  auto rawPointer = check("async fn f(x: usize) -> *const u8 { x as *const u8 }\n");
  EXPECT_EQ(rawPointer.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(rawPointer.reasonHas("`*const u8` is a raw pointer"));
  auto arcOfRefCell = check("use std::{cell::RefCell, sync::Arc};\nasync fn f() -> Arc<RefCell<u32>> { todo!() }\n");
  EXPECT_EQ(arcOfRefCell.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(arcOfRefCell.reasonHas("`RefCell<u32>` is not Sync"));
  auto weak = check("use std::rc::Weak;\nasync fn f() -> Weak<u32> { Weak::new() }\n");
  EXPECT_EQ(weak.fix().applicability, Applicability::Unavailable);
  auto holder = check("struct Wrapper { n: u32, marker: std::marker::PhantomData<std::rc::Rc<()>> }\n"
                      "async fn f(n: u32) -> Wrapper { Wrapper { n, marker: std::marker::PhantomData } }\n");
  EXPECT_EQ(holder.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(holder.reasonHas("the output `Wrapper` is not Send (`std::rc::Rc<()>` is not Send)"));
  auto guard = check("async fn f<'a>(m: &'a std::sync::Mutex<u32>) -> std::sync::MutexGuard<'a, u32> { todo!() }\n");
  EXPECT_EQ(guard.fix().applicability, Applicability::Unavailable);
}

TEST(ReadyFuture, OutputsThatStaySend) {
  // Held by a by-value parameter: if it was not Send, neither was the async fn's future.
  EXPECT_EQ(check("async fn f(r: std::rc::Rc<u32>) -> std::rc::Rc<u32> { r }\n").fix().applicability,
            Applicability::Safe);
  EXPECT_EQ(check("async fn f<T>(items: Vec<T>, n: u32) -> (Vec<T>, u32) { (items, n) }\n").fix().applicability,
            Applicability::Safe);
  EXPECT_EQ(check("async fn f<T: Send>() -> Option<T> { None }\n").fix().applicability, Applicability::Safe);
  EXPECT_EQ(check("struct P { x: i32 }\nunsafe impl Send for Q {}\nstruct Q(*const u8);\n"
                  "async fn f() -> (P, Q) { todo!() }\n")
                .fix()
                .applicability,
            Applicability::Unsafe);  // Send, but `todo!()` runs at call time
  // `&self` of a non-Sync type already made the future non-Send; `&mut self` needs only Send.
  const std::string cellHolder = "struct C { c: std::cell::Cell<u32> }\nimpl C {\n";
  auto shared = check(cellHolder + "    async fn f(&self) -> std::rc::Rc<u32> { todo!() }\n}\n");
  EXPECT_EQ(shared.fix().applicability, Applicability::Unsafe);
  auto exclusive = check(cellHolder + "    async fn f(&mut self) -> std::rc::Rc<u32> { todo!() }\n}\n");
  EXPECT_EQ(exclusive.fix().applicability, Applicability::Unavailable);
  auto unknown = check("async fn f<T>() -> Option<T> { None }\n");
  EXPECT_EQ(unknown.fix().applicability, Applicability::Unsafe);
  EXPECT_TRUE(unknown.reasonHas("`T` has no `Send` bound"));
}

TEST(ReadyFuture, ParametersWithDropGlue) {
  auto unused = check("async fn f(_: String, n: u32) -> u32 { n }\n");
  EXPECT_EQ(unused.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(unused.reasonHas("parameter `_: String` is not moved into the result"));
  auto borrowedSelf = check("struct S { v: Vec<u32> }\nimpl S {\n    async fn f(self) -> usize { self.v.len() }\n}\n");
  EXPECT_TRUE(borrowedSelf.reasonHas("parameter `self`"));
  auto copySelf =
      check("#[derive(Clone, Copy)]\nstruct S { n: u32 }\nimpl S {\n    async fn f(self) -> u32 { self.n }\n}\n");
  EXPECT_EQ(copySelf.fix().applicability, Applicability::Safe);
  auto patterns = check("async fn f((a, b): (u32, u8), _c: &str, mut d: u64) -> u32 { a }\n");
  EXPECT_EQ(patterns.fix().applicability, Applicability::Safe);
  auto shadowed = check("async fn f(s: String) -> u32 { let s = 5; s }\n");
  EXPECT_EQ(shadowed.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(shadowed.reasonHas("parameter `s`"));
  auto consumed = check("async fn f(v: Vec<u32>) { drop(v); }\n");
  EXPECT_EQ(consumed.fix().applicability, Applicability::Unsafe);  // moved into the call, which runs early
}

TEST(ReadyFuture, AsyncMoveCaptures) {
  auto moved = check("fn f(v: Vec<u8>) { let g = async move { v }; }\n");
  EXPECT_EQ(moved.fix().applicability, Applicability::Safe);
  auto scalar =
      check("fn f(n: u32, s: &str) { let g = async move { (n, s) }; let k = 5; let h = async move { k }; }\n");
  EXPECT_EQ(scalar.fix(0).applicability, Applicability::Safe);
  EXPECT_EQ(scalar.fix(1).applicability, Applicability::Safe);
  auto borrowed = check("fn f(v: Vec<u8>) { let g = async move { v.len() }; }\n");
  EXPECT_EQ(borrowed.fix().applicability, Applicability::Unavailable);
  EXPECT_TRUE(borrowed.reasonHas("`v` is moved into the `async move` block"));
  // The binding in scope decides, not one in a block that has ended.
  auto outOfScope = check("fn f(v: Vec<u8>) { { let v: u8 = 1; } let g = async move { (v.len(), 1) }; }\n");
  EXPECT_EQ(outOfScope.fix().applicability, Applicability::Unavailable);
  auto notMove = check("fn f(v: Vec<u8>) { let g = async { v.len() }; }\n");
  EXPECT_EQ(notMove.fix().applicability, Applicability::Unsafe);
}

// --- the rewrite ---

TEST(ReadyFuture, SpellsFutureAsTheScopeAllows) {
  const std::string fn = "async fn f() -> u32 { 1 }\n";
  EXPECT_EQ(check("use std::future::{ready, Future};\n" + fn).fixed(),
            "use std::future::{ready, Future};\nfn f() -> impl Future<Output = u32> { core::future::ready(1) }\n");
  EXPECT_NE(check("use futures::Future;\n" + fn).fixed().find("impl core::future::Future<"), std::string::npos);
  EXPECT_NE(check("use std::future::Future as F;\n" + fn).fixed().find("impl core::future::Future<"),
            std::string::npos);
  EXPECT_NE(check("use core::future::*;\n" + fn).fixed().find("impl Future<"), std::string::npos);
  EXPECT_NE(check(fn, Edition::E2024).fixed().find("impl Future<"), std::string::npos);
  EXPECT_NE(check("struct Future;\n" + fn, Edition::E2024).fixed().find("impl core::future::Future<"),
            std::string::npos);
  auto nested = check("use std::future::Future;\nmod m {\n    async fn f() -> u32 { 1 }\n}\n");
  EXPECT_NE(nested.fixed().find("impl core::future::Future<"), std::string::npos);
  auto inBody = check("fn outer() {\n    use std::future::Future;\n    async fn f() -> u32 { 1 }\n}\n");
  EXPECT_NE(inBody.fixed().find("impl Future<"), std::string::npos);
}

TEST(ReadyFuture, SpellsTheOutputOnReadyWhenACoercionMayBeNeeded) {
  auto str = check("struct U { name: String }\nimpl U {\n    async fn f(&self) -> &str { &self.name }\n}\n");
  EXPECT_NE(str.fixed().find("core::future::ready::<&str>(&self.name)"), std::string::npos);
  auto boxed = check("async fn f(b: Box<dyn Send>) -> Box<dyn Send> { b }\n");
  EXPECT_NE(boxed.fixed().find("core::future::ready(b)"), std::string::npos);
  auto plain = check("async fn f(x: u8) -> (u8, [u16; 2]) { (x, [1, 2]) }\n");
  EXPECT_NE(plain.fixed().find("core::future::ready((x, [1, 2]))"), std::string::npos);
}

TEST(ReadyFuture, UnitBodies) {
  EXPECT_EQ(check("async fn f() {}\n").fixed(),
            "fn f() -> impl core::future::Future<Output = ()> { core::future::ready(()) }\n");
  auto statements =
      check("async fn f<T>(x: T)\nwhere\n    T: Copy,\n{\n    let _y = x; // kept\n    // also kept\n}\n");
  EXPECT_EQ(statements.fix().applicability, Applicability::Unsafe);
  EXPECT_EQ(statements.fixed(), "fn f<T>(x: T) -> impl core::future::Future<Output = ()>\nwhere\n    T: Copy,\n{\n"
                                "    let _y = x; // kept\n    // also kept\n    core::future::ready(())\n}\n");
  EXPECT_EQ(check("async fn f() { g(); }\n").fixed(),
            "fn f() -> impl core::future::Future<Output = ()> { g(); core::future::ready(()) }\n");
}

TEST(ReadyFuture, AsyncBlocks) {
  auto literal = check("fn f() { let a = async move { 5 }; let b = async {}; }\n");
  ASSERT_EQ(literal.findings.size(), 2u);
  EXPECT_EQ(literal.fixed(0), "fn f() { let a = core::future::ready(5); let b = async {}; }\n");
  EXPECT_EQ(literal.fixed(1), "fn f() { let a = async move { 5 }; let b = core::future::ready(()); }\n");
  auto commented = check("fn f() {\n    let a = async {\n        // why\n        5\n    };\n}\n");
  EXPECT_EQ(commented.fixed(), "fn f() {\n    let a = core::future::ready({\n        // why\n        5\n    });\n}\n");
  auto overflow = check("fn f(x: u8) { let a = async { x + 1 }; }\n");
  EXPECT_EQ(overflow.fix().applicability, Applicability::Unsafe);
  EXPECT_TRUE(overflow.reasonHas("when the block is created"));
}

}  // namespace
}  // namespace corofix
