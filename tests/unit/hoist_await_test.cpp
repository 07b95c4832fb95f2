// hoist-await matcher, type classes, names and placements on snippets the fixtures do not cover:
// shapes that are not matched, literal kinds, tuple scrutinees, and where the `let` goes.
#include <gtest/gtest.h>

#include <algorithm>

#include "rewriter/rule.h"

namespace corofix {
namespace {

struct Checked {
  std::vector<Finding> findings;
  std::string text;

  /// The text after applying the first finding's fix.
  std::string fixed() const {
    std::string out = text;
    auto edits = findings.at(0).fix.edits;
    std::sort(edits.begin(), edits.end(), [](const auto& a, const auto& b) { return a.range.begin > b.range.begin; });
    for (const auto& e : edits) out.replace(e.range.begin, e.range.end - e.range.begin, e.replacement);
    return out;
  }
  const Fix& fix() const { return findings.at(0).fix; }
  bool reasonHas(std::string_view part) const { return fix().reason.find(part) != std::string::npos; }
};

Checked check(std::string text) {
  Checked out{{}, std::move(text)};
  auto tree = SyntaxTree::parseRust(out.text);
  CalleeIndex index;
  FileContext context{Edition::E2021, &index};
  CheckOptions options;
  const RustRule* rule = findRustRule("hoist-await");
  EXPECT_NE(rule, nullptr);
  out.findings = rule->check({"lib.rs", out.text, *tree, context, options});
  return out;
}

/// An async fn `f` whose body is `body`.
std::string inFn(std::string_view body) { return "async fn f(c: u8) -> u8 {\n" + std::string(body) + "}\n"; }

TEST(HoistAwait, IfWithoutElseIsNotMatched) {
  EXPECT_TRUE(check(inFn("    if c == 0 { g(1).await }\n    0\n")).findings.empty());
}

TEST(HoistAwait, AnArmThatDoesNotAwaitTheCalleeMeansNoFinding) {
  EXPECT_TRUE(check(inFn("    match c { 0 => g(1).await, _ => 7 }\n")).findings.empty());
  EXPECT_TRUE(check(inFn("    match c { 0 => g(1).await, _ => g(2) }\n")).findings.empty());
  EXPECT_TRUE(check(inFn("    match c { 0 => g(1).await, _ => g::<u8>(2).await }\n")).findings.empty());
}

TEST(HoistAwait, OneValueArmIsNothingToHoist) {
  EXPECT_TRUE(check(inFn("    match c { 0 => g(1).await, _ => return 3 }\n")).findings.empty());
}

TEST(HoistAwait, LabelledBlockArmIsNotMatched) {
  // `break 'b value` could produce the arm's value anywhere inside.
  EXPECT_TRUE(check(inFn("    match c { 0 => 'b: { g(1).await }, _ => g(2).await }\n")).findings.empty());
}

TEST(HoistAwait, ItemDeclaredInAnArmIsNotMatched) {
  EXPECT_TRUE(check(inFn("    match c { 0 => { use m::g; g(1).await } _ => g(2).await }\n")).findings.empty());
}

TEST(HoistAwait, NothingInsideAMacroInvocation) {
  auto c = check(inFn("    println!(\"{}\", match c { 0 => g(1).await, _ => g(2).await });\n    0\n"));
  EXPECT_TRUE(c.findings.empty());
}

TEST(HoistAwait, HexLiteralEndingInF32IsAnInteger) {
  auto c = check(inFn("    match c { 0 => g(0x1f32).await, _ => g(2).await }\n"));
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Safe);
}

TEST(HoistAwait, IntegerWithFloatSuffixIsAFloat) {
  auto c = check(inFn("    match c { 0 => g(1f32).await, _ => g(2.5f32).await }\n"));
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Safe);
  auto mixed = check(inFn("    match c { 0 => g(1f32).await, _ => g(2.5).await }\n"));
  EXPECT_TRUE(mixed.reasonHas("(`f32`) and `2.5` (`{float}`)"));
}

TEST(HoistAwait, NegativeLiteralsAndTuplesHaveTypes) {
  auto c = check(inFn("    match c { 0 => g((-1, 'a')).await, _ => g((2, 'b')).await }\n"));
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Safe);
}

TEST(HoistAwait, ByteStringsDifferByLength) {
  auto c = check(inFn("    match c { 0 => g(b\"ab\").await, _ => g(b\"abc\").await }\n"));
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_TRUE(c.reasonHas("cannot tell from the syntax that `b\"ab\"`"));
}

TEST(HoistAwait, ByteAndCharLiteralsDiffer) {
  auto c = check(inFn("    match c { 0 => g(b'a').await, _ => g('b').await }\n"));
  EXPECT_TRUE(c.reasonHas("`b'a'` (`u8`) and `'b'` (`char`)"));
}

TEST(HoistAwait, AssociatedConstsAreNotVariants) {
  auto c = check(inFn("    match c { 0 => g(u8::MAX).await, _ => g(u8::BITS).await }\n"));
  EXPECT_TRUE(c.reasonHas("cannot tell from the syntax that `u8::MAX`"));
  auto variants = check(inFn("    match c { 0 => g(Mode::A).await, _ => g(Mode::Slow).await }\n"));
  EXPECT_EQ(variants.fix().applicability, Applicability::Safe);
}

TEST(HoistAwait, TupleScrutineeMakesTheFixUnsafe) {
  auto c = check(inFn("    match (a, b) { (0, _) => g(1).await, _ => g(2).await }\n"));
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fix().applicability, Applicability::Unsafe);
  EXPECT_TRUE(c.reasonHas("the matched value `(a, b)` is a temporary"));
  auto reference = check(inFn("    if let Some(x) = &self.slot { g(1).await } else { g(2).await }\n"));
  EXPECT_EQ(reference.fix().applicability, Applicability::Safe);
}

TEST(HoistAwait, ShortNameFromTheCalleeWithoutADefinition) {
  auto c = check(inFn("    match c { 0 => net::g(1).await, _ => net::g(2).await }\n"));
  EXPECT_EQ(c.fixed(), inFn("    let g_arg = match c { 0 => 1, _ => 2 };\n    net::g(g_arg).await\n"));
}

TEST(HoistAwait, ParameterNameFromTheDefinitionNumberedWhenTaken) {
  std::string callee = "async fn g(level: u8, c: u8) -> u8 { level }\n";
  auto c = check(callee + inFn("    let level = 1;\n    match c { 0 => g(1, c).await, _ => g(2, c).await }\n"));
  EXPECT_EQ(c.fixed(), callee + inFn("    let level = 1;\n    let level2 = match c { 0 => 1, _ => 2 };\n"
                                     "    g(level2, c).await\n"));
}

TEST(HoistAwait, SeveralDifferingArgumentsWithoutDefinitionAreNumbered) {
  auto c = check(inFn("    match c { 0 => g(1, c, 'a').await, _ => g(2, c, 'b').await }\n"));
  EXPECT_EQ(c.fixed(), inFn("    let (g_arg1, g_arg3) = match c { 0 => (1, 'a'), _ => (2, 'b') };\n"
                            "    g(g_arg1, c, g_arg3).await\n"));
}

TEST(HoistAwait, StatementKeepsOneSemicolon) {
  auto c = check(inFn("    match c { 0 => g(1).await, _ => g(2).await };\n    0\n"));
  EXPECT_EQ(c.fixed(), inFn("    let g_arg = match c { 0 => 1, _ => 2 };\n    g(g_arg).await;\n    0\n"));
  auto blockLike = check(inFn("    match c { 0 => g(1).await, _ => g(2).await }\n    0\n"));
  EXPECT_EQ(blockLike.fixed(), inFn("    let g_arg = match c { 0 => 1, _ => 2 };\n    g(g_arg).await;\n    0\n"));
}

TEST(HoistAwait, OtherPositionsGetABlock) {
  auto c = check(inFn("    Ok(match c {\n        0 => g(1).await?,\n        _ => g(2).await?,\n    })\n"));
  EXPECT_EQ(c.fixed(), inFn("    Ok({\n        let g_arg = match c {\n            0 => 1,\n            _ => 2,\n"
                            "        };\n        g(g_arg).await?\n    })\n"));
}

TEST(HoistAwait, LetKeepsItsAttributeAndPattern) {
  auto c = check(inFn("    #[allow(unused)]\n"
                      "    let Some(v) = match c { 0 => g(1).await, _ => g(2).await } else { return 0 };\n    v\n"));
  EXPECT_EQ(c.fixed(), inFn("    let g_arg = match c { 0 => 1, _ => 2 };\n    #[allow(unused)]\n"
                            "    let Some(v) = g(g_arg).await else { return 0 };\n    v\n"));
}

TEST(HoistAwait, SharedArgumentThatAwaitsMovesWithTheCall) {
  // Nothing runs between the end of an arm and the call, so its await is merged too.
  auto c = check(inFn("    match c { 0 => g(1, h().await).await, _ => g(2, h().await).await }\n"));
  EXPECT_EQ(c.fixed(), inFn("    let g_arg = match c { 0 => 1, _ => 2 };\n    g(g_arg, h().await).await\n"));
  auto afterCast =
      check(inFn("    match o { Some(n) => g(h().await, n as u8).await, None => g(h().await, 0u8).await }\n"));
  EXPECT_TRUE(afterCast.reasonHas("the shared argument `h().await` may have side effects and runs before `n as u8`"));
}

TEST(HoistAwait, ReceiverBoundByAnArmHasNoFix) {
  auto c = check(inFn("    match o { Some(p) => p.send(1).await, None => p.send(2).await }\n"));
  EXPECT_TRUE(c.reasonHas("the receiver `p` is a name that an arm binds itself"));
}

TEST(HoistAwait, CastAfterAPureSharedArgumentIsFine) {
  auto c = check(inFn("    match o { Some(n) => g(c, n as u32).await, None => g(c, 0u32).await }\n"));
  EXPECT_EQ(c.fix().applicability, Applicability::Safe);
  auto impureCast = check(inFn("    match o { Some(n) => g(n.get() as u32).await, None => g(0u32).await }\n"));
  EXPECT_TRUE(impureCast.reasonHas("cannot tell from the syntax that `n.get() as u32`"));
}

TEST(HoistAwait, NestedTreeIsOneFindingWhenFixable) {
  auto c = check(inFn("    match c { 0 => match d { 1 => g(1).await, _ => g(2).await }, _ => g(3).await }\n"));
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.fixed(), inFn("    let g_arg = match c { 0 => match d { 1 => 1, _ => 2 }, _ => 3 };\n"
                            "    g(g_arg).await\n"));
  auto outerUnfixable =
      check(inFn("    match c { 0 => match d { 1 => g(1).await, _ => g(2).await }, _ => g(x).await }\n"));
  EXPECT_EQ(outerUnfixable.findings.size(), 2u);
  EXPECT_EQ(outerUnfixable.findings[1].fix.applicability, Applicability::Safe);
  // An inner tree that cannot be fixed either was already reported with the outer one.
  auto bothUnfixable =
      check(inFn("    match c { 0 => match d { 1 => g(y).await, _ => g(2).await }, _ => g(x).await }\n"));
  EXPECT_EQ(bothUnfixable.findings.size(), 1u);
}

TEST(HoistAwait, ConstructorsOfOneTypeAreNamedAfterIt) {
  std::string types = "enum Reply { Pong, Value(u8) }\nstruct HttpStatus { code: u16 }\n";
  auto c = check(types + inFn("    match c { 0 => g(Reply::Pong).await, _ => g(Reply::Value(c)).await }\n"));
  EXPECT_EQ(c.fixed(), types + inFn("    let reply = match c { 0 => Reply::Pong, _ => Reply::Value(c) };\n"
                                    "    g(reply).await\n"));
  auto structs = check(types + inFn("    match c { 0 => g(HttpStatus { code: 200 }).await, "
                                    "_ => g(HttpStatus { code: 404 }).await }\n"));
  EXPECT_EQ(structs.fix().applicability, Applicability::Safe);
  EXPECT_NE(structs.fixed().find("let http_status = match c"), std::string::npos);
}

TEST(HoistAwait, AModulePathIsNotAType) {
  // `geo::Point(1)` and `geo::Line(2)` are two tuple structs of module `geo`.
  auto c = check(inFn("    match c { 0 => g(geo::Point(1)).await, _ => g(geo::Line(2)).await }\n"));
  EXPECT_TRUE(c.reasonHas("cannot tell from the syntax that `geo::Point(1)`"));
}

TEST(HoistAwait, SelfConstructorsNeedANonGenericImpl) {
  std::string body = "    async fn f(&self, c: u8) -> u8 {\n"
                     "        match c { 0 => g(Self::A(1)).await, _ => g(Self::B(2)).await }\n    }\n}\n";
  EXPECT_EQ(check("impl E {\n" + body).fix().applicability, Applicability::Safe);
  auto generic = check("impl<T> W<T> {\n" + body);
  EXPECT_TRUE(generic.reasonHas("`Self` is generic and no arm passes a unit variant of it"));
}

TEST(HoistAwait, ConstructorOfATypeDefinedElsewhereIsUnsafeUnlessAUnitVariantIsPassed) {
  auto c = check(inFn("    match c { 0 => g(Msg::A(1)).await, _ => g(Msg::B(2)).await }\n"));
  EXPECT_EQ(c.fix().applicability, Applicability::Unsafe);
  EXPECT_TRUE(c.reasonHas("`Msg` is not defined in this file"));
  auto withUnit = check(inFn("    match c { 0 => g(Msg::A(1)).await, 1 => g(Msg::Quit).await, "
                             "_ => g(Msg::B(2)).await }\n"));
  EXPECT_EQ(withUnit.fix().applicability, Applicability::Safe);
}

TEST(HoistAwait, KeywordTypeNameFallsBackToTheCallee) {
  auto c = check(inFn("    match c { 0 => g(Type::A).await, _ => g(Type::B).await }\n"));
  EXPECT_NE(c.fixed().find("let g_arg = match c"), std::string::npos);
}

TEST(HoistAwait, ImpureConstructorMayNotTouchWhatTheReceiverReads) {
  auto c = check(inFn("    match c { 0 => link.send(M::A(link.next())).await, _ => link.send(M::B).await }\n"));
  EXPECT_TRUE(c.reasonHas("may have side effects on `link`, which `link` reads before it"));
  auto other = check(inFn("    match c { 0 => link.send(M::A(next())).await, _ => link.send(M::B).await }\n"));
  EXPECT_EQ(other.fix().applicability, Applicability::Safe);
}

TEST(HoistAwait, ModuleConstantsHaveTheirDeclaredType) {
  std::string consts = "const A: u8 = 1;\nconst B: u8 = 2;\nconst C: u16 = 3;\n";
  auto c = check(consts + inFn("    match c { 0 => g(A).await, _ => g(B).await }\n"));
  EXPECT_EQ(c.fix().applicability, Applicability::Safe);
  auto mixed = check(consts + inFn("    match c { 0 => g(A).await, _ => g(C).await }\n"));
  EXPECT_TRUE(mixed.reasonHas("the arms pass `A` (`u8`) and `C` (`u16`)"));
  auto literal = check(consts + inFn("    match c { 0 => g(A).await, _ => g(9).await }\n"));
  EXPECT_TRUE(literal.reasonHas("(`u8`) and `9` (`{integer}`)"));
}

TEST(HoistAwait, ConstantsOutsideTheModuleOrShadowedAreUnknown) {
  std::string inner = "mod m {\n    pub const A: u8 = 1;\n    pub const B: u8 = 2;\n}\n";
  auto otherModule = check(inner + inFn("    match c { 0 => g(A).await, _ => g(B).await }\n"));
  EXPECT_TRUE(otherModule.reasonHas("cannot tell from the syntax that `A`"));
  std::string twice = "const A: u8 = 1;\nconst B: u8 = 2;\nfn h() { const A: u32 = 3; }\n";
  auto shadowed = check(twice + inFn("    match c { 0 => g(A).await, _ => g(B).await }\n"));
  EXPECT_TRUE(shadowed.reasonHas("cannot tell from the syntax that `A`"));
  std::string mutableStatic = "static mut A: u8 = 1;\nconst B: u8 = 2;\n";
  EXPECT_TRUE(check(mutableStatic + inFn("    match c { 0 => g(A).await, _ => g(B).await }\n"))
                  .reasonHas("cannot tell from the syntax that `A`"));
}

}  // namespace
}  // namespace corofix
