// ready-future, the C++ half: a coroutine that never suspends and whose whole body is
// `co_return expr;` returns its task type's ready factory instead (`return fx::task<int>::ready(expr);`),
// so no coroutine frame is allocated, resumed and destroyed.
//
// The rule reads like the C++ section of rules/ready-future.md: `matchCoroutine` finds the shape,
// the safety conditions each return the one thing that fails, `factoryFor` spells and finds the
// configured factory (`ready-future.Factories`), and `rewrite` builds the edits.
#include <cctype>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/QualTypeNames.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "rewriter/cpp_rule.h"
#include "rewriter/quoting.h"

namespace corofix {
namespace {

using namespace clang;

constexpr std::string_view kCheck = "ready-future";
constexpr std::string_view kOption = "Factories";
constexpr std::string_view kCost =
    "each call allocates a coroutine frame that is resumed once and destroyed without ever suspending "
    "(measured with the task type's ready factory instead, on a 15-coroutine program: .text 14161 -> 12177 B at clang-16 -O2, "
    "9603 -> 8231 B at -Os, 13616 -> 13536 B with g++-12 -O2)";

// ---------------------------------------------------------------------------------------------
// Source text, for reasons and edits.

std::string sourceText(SourceRange range, const ASTContext& ast) {
  return Lexer::getSourceText(CharSourceRange::getTokenRange(range), ast.getSourceManager(), ast.getLangOpts())
      .str();
}

using corofix::quotedOneLine;
std::string quotedOneLine(const Stmt* s, const ASTContext& ast) { return quotedOneLine(sourceText(s->getSourceRange(), ast)); }

std::string quotedOneLine(QualType type, const ASTContext& ast) { return quotedOneLine(type.getAsString(ast.getPrintingPolicy())); }

/// How reasons name the function: "`answer`", "`Counter::value`", "the lambda".
std::string nameOf(const FunctionDecl& fn) {
  if (const auto* method = dyn_cast<CXXMethodDecl>(&fn)) {
    if (method->getParent()->isLambda()) return "the lambda";
    return quotedOneLine(method->getParent()->getNameAsString() + "::" + fn.getNameAsString());
  }
  return quotedOneLine(fn.getNameAsString());
}

std::string describe(const ParmVarDecl& p) {
  return p.getName().empty() ? "an unnamed parameter" : "parameter " + quotedOneLine(p.getNameAsString());
}

// ---------------------------------------------------------------------------------------------
// The shape: a coroutine with no `co_await` or `co_yield` of its own; the fix needs its body to be
// only `co_return expr;` (or `co_return;`).

/// Visits `s` and what it contains, except the bodies of lambdas (another function's code) and
/// unevaluated operands (`sizeof`, `decltype`, `noexcept`, `typeid` of a non-polymorphic type).
/// `visit` returns false to skip a node's children.
template <typename Visit>
void walkEvaluated(const Stmt* s, Visit&& visit) {
  if (!s || isa<LambdaExpr>(s) || isa<UnaryExprOrTypeTraitExpr>(s) || isa<CXXNoexceptExpr>(s)) return;
  if (const auto* typeId = dyn_cast<CXXTypeidExpr>(s); typeId && !typeId->isPotentiallyEvaluated()) return;
  if (!visit(s)) return;
  for (const Stmt* child : s->children()) walkEvaluated(child, visit);
}

bool suspends(const Stmt* body) {
  bool found = false;
  walkEvaluated(body, [&](const Stmt* s) {
    found |= isa<CoawaitExpr>(s) || isa<DependentCoawaitExpr>(s) || isa<CoyieldExpr>(s);
    return !found;
  });
  return found;
}

struct Coroutine {
  const FunctionDecl& fn;
  const CoroutineBodyStmt& body;
  const CoreturnStmt* coreturn;  // the body's only statement, or null when the body has more
  const Expr* operand;           // as written (the implicit move stripped); null for `co_return;`
  ASTContext& ast;
};

std::optional<Coroutine> matchCoroutine(const FunctionDecl& fn, ASTContext& ast) {
  if (fn.isTemplateInstantiation() || !fn.doesThisDeclarationHaveABody()) return std::nullopt;
  if (ast.getSourceManager().isInSystemHeader(fn.getLocation())) return std::nullopt;
  const auto* body = dyn_cast_or_null<CoroutineBodyStmt>(fn.getBody());
  if (!body || suspends(body->getBody())) return std::nullopt;
  const auto* statements = dyn_cast<CompoundStmt>(body->getBody());
  const CoreturnStmt* coreturn = statements && statements->size() == 1
                                     ? dyn_cast<CoreturnStmt>(statements->body_front())
                                     : nullptr;
  const Expr* operand = coreturn && coreturn->getOperand() ? coreturn->getOperand()->IgnoreImplicit() : nullptr;
  return Coroutine{fn, *body, coreturn, operand, ast};
}

// ---------------------------------------------------------------------------------------------
// The task type and its value type T (its one template argument).

struct TaskType {
  const ClassTemplateSpecializationDecl& specialization;  // fx::task<int>
  std::string templateName;                               // "fx::task", the key of the option
  QualType value;                                         // int
};

std::variant<TaskType, std::string> taskTypeOf(const Coroutine& c) {
  QualType returned = c.fn.getReturnType();
  const auto* spec = dyn_cast_or_null<ClassTemplateSpecializationDecl>(returned->getAsCXXRecordDecl());
  if (!spec)
    return "the task type " + quotedOneLine(returned, c.ast) +
           " is not a class template specialization: the rule takes the value type from its template argument";
  std::vector<TemplateArgument> arguments;
  for (const TemplateArgument& a : spec->getTemplateArgs().asArray()) {
    if (a.getKind() == TemplateArgument::Pack) arguments.insert(arguments.end(), a.pack_begin(), a.pack_end());
    else arguments.push_back(a);
  }
  // A variadic task type's empty pack (`seastar::future<>`) is its void task.
  bool emptyPack = spec->getTemplateArgs().size() == 1 && arguments.empty();
  if (emptyPack)
    return TaskType{*spec, spec->getSpecializedTemplate()->getQualifiedNameAsString(), c.ast.VoidTy};
  if (arguments.size() != 1 || arguments[0].getKind() != TemplateArgument::Type)
    return "the task type " + quotedOneLine(returned, c.ast) +
           " does not have exactly one template argument, a type: the rule takes the value type from it";
  // The argument as written (`std::string`, not `std::basic_string<char>`) reads better in reasons.
  QualType value = arguments[0].getAsType();
  const auto* written = returned->getAs<TemplateSpecializationType>();
  if (written && !written->isTypeAlias() && written->template_arguments().size() == 1 &&
      written->template_arguments()[0].getKind() == TemplateArgument::Type)
    value = written->template_arguments()[0].getAsType();
  return TaskType{*spec, spec->getSpecializedTemplate()->getQualifiedNameAsString(), value};
}

// ---------------------------------------------------------------------------------------------
// Safety conditions. Each returns the reason the fix is unavailable (or, last, unsafe), or nothing.

using Condition = std::optional<std::string> (*)(const Coroutine&);
using ValueCondition = std::optional<std::string> (*)(const Coroutine&, const TaskType&);

/// Statements besides `co_return` run on the task's first resume; returned directly they would run
/// at the call.
std::string moreThanCoreturn(const Coroutine& c) {
  std::string reason = "the body is more than `co_return expr;`";
  if (const auto* statements = dyn_cast<CompoundStmt>(c.body.getBody())) {
    for (const Stmt* s : statements->body()) {
      if (isa<CoreturnStmt>(s) && s == statements->body_back()) continue;
      return reason + ": " + quotedOneLine(s, c.ast) + " would run when " + nameOf(c.fn) +
             " is called instead of when its task is first resumed";
    }
  }
  return reason;
}

std::optional<std::string> writtenInMacro(const Coroutine& c) {
  if (c.coreturn->getKeywordLoc().isMacroID())
    return std::string("the `co_return` is written in a macro: the rewrite would edit the macro, which other code "
                       "may expand");
  if (c.operand && (c.operand->getBeginLoc().isMacroID() || c.operand->getEndLoc().isMacroID()))
    return "the operand " + quotedOneLine(c.operand, c.ast) +
           " comes from a macro: whether it is pure was judged on this build's expansion only";
  return std::nullopt;
}

std::optional<std::string> dependsOnTemplateParameters(const Coroutine& c) {
  if (c.fn.getReturnType()->isDependentType())
    return "the task type " + quotedOneLine(c.fn.getReturnType(), c.ast) +
           " depends on template parameters: whether the operand matches its value type, and what copying it "
           "runs, is only known per instantiation";
  if (c.operand && c.operand->isInstantiationDependent())
    return "the operand " + quotedOneLine(c.operand, c.ast) +
           " depends on template parameters: its type and what it runs are only known per instantiation";
  for (const ParmVarDecl* p : c.fn.parameters())
    if (p->getType()->isDependentType())
      return describe(*p) + " has type " + quotedOneLine(p->getType(), c.ast) +
             ", which depends on template parameters: whether the coroutine's copy of it runs code is only known "
             "per instantiation";
  return std::nullopt;
}

std::optional<std::string> declaredNoexcept(const Coroutine& c) {
  const auto* type = c.fn.getType()->getAs<FunctionProtoType>();
  if (!type || !type->isNothrow()) return std::nullopt;
  return nameOf(c.fn) + " is `noexcept`: an exception from the ready factory would terminate the program, where "
         "the coroutine stores it in its task for the `co_await` to rethrow";
}

/// Copying or destroying an object of this type runs no code: scalars and trivially copyable,
/// trivially destructible classes.
bool copiesTrivially(QualType type, const ASTContext& ast) {
  if (const CXXRecordDecl* record = type->getAsCXXRecordDecl()) {
    record = record->getDefinition();
    return record && !record->hasNonTrivialCopyConstructor() && !record->hasNonTrivialMoveConstructor() &&
           record->hasTrivialDestructor() && !type.isVolatileQualified();
  }
  return type.isTriviallyCopyableType(ast) && !type.isVolatileQualified();
}

/// The coroutine copies its by-value parameters into its frame and destroys the copies with it; a
/// plain function does neither.
std::optional<std::string> parameterCopiedIntoFrame(const Coroutine& c) {
  for (const ParmVarDecl* p : c.fn.parameters()) {
    QualType type = p->getType();
    if (type->isReferenceType() || copiesTrivially(type, c.ast)) continue;
    return describe(*p) + " of type " + quotedOneLine(type, c.ast) +
           " is moved into the coroutine frame and destroyed with it: after the rewrite that move does not "
           "happen and it is destroyed when " + nameOf(c.fn) + " returns";
  }
  return std::nullopt;
}

std::optional<std::string> operandConverts(const Coroutine& c, const TaskType& task) {
  if (task.value->isVoidType()) {
    if (!c.operand) return std::nullopt;
    return "the `co_return` of a void task has an operand, " + quotedOneLine(c.operand, c.ast) +
           ", evaluated only for its effects";
  }
  if (task.value->isReferenceType())
    return "the value type " + quotedOneLine(task.value, c.ast) + " is a reference: the factory may bind it differently";
  if (!c.operand) return std::string("the `co_return` of a non-void task has no operand");
  if (isa<InitListExpr>(c.operand))
    return "the braced list " + quotedOneLine(c.operand, c.ast) +
           " initializes the value inside the promise; a factory's parameter may not accept it";
  QualType operand = c.operand->getType().getCanonicalType().getUnqualifiedType();
  if (operand == task.value.getCanonicalType().getUnqualifiedType()) return std::nullopt;
  return quotedOneLine(c.operand, c.ast) + " has type " + quotedOneLine(c.operand->getType(), c.ast) + ", not the value type " +
         quotedOneLine(task.value, c.ast) + ": `co_return` converts it through the promise, and the factory may convert "
         "it differently, at another time, or not at all";
}

std::optional<std::string> valueCopyRunsCode(const Coroutine& c, const TaskType& task) {
  if (task.value->isVoidType() || copiesTrivially(task.value, c.ast)) return std::nullopt;
  return "copying or destroying the value type " + quotedOneLine(task.value, c.ast) +
         " runs code: the coroutine and the factory copy and move the value a different number of times, and a "
         "copy may throw";
}

bool isNoexcept(const FunctionDecl* f) {
  const auto* type = f ? f->getType()->getAs<FunctionProtoType>() : nullptr;
  return type && type->isNothrow();
}

/// A reason for code the operand runs: an exception would leave the function at the call instead
/// of being stored in the task, and effects would happen at the call instead of the first resume.
std::string runsCode(const Stmt* s, bool mayThrow, const Coroutine& c) {
  if (mayThrow)
    return quotedOneLine(s, c.ast) + " may throw: the exception would leave " + nameOf(c.fn) +
           " when it is called, where the coroutine stores it in its task for the `co_await` to rethrow";
  return quotedOneLine(s, c.ast) + " may have side effects: they would happen when " + nameOf(c.fn) +
         " is called instead of when its task is first resumed";
}

/// The first part of the operand that runs code other than reading values: calls (except
/// non-throwing `[[gnu::const]]` functions), non-trivial constructors and destructors, `new`,
/// `throw`, modifications, throwing casts.
std::optional<std::string> operandRunsCode(const Coroutine& c) {
  if (!c.operand) return std::nullopt;
  std::optional<std::string> reason;
  walkEvaluated(c.operand, [&](const Stmt* s) {
    if (isa<CXXThrowExpr>(s) || isa<CXXNewExpr>(s) || isa<CXXDeleteExpr>(s)) {
      reason = runsCode(s, true, c);
    } else if (const auto* call = dyn_cast<CallExpr>(s)) {
      const FunctionDecl* callee = call->getDirectCallee();
      if (!callee || !callee->hasAttr<ConstAttr>() || !isNoexcept(callee)) reason = runsCode(s, !isNoexcept(callee), c);
    } else if (const auto* construct = dyn_cast<CXXConstructExpr>(s)) {
      if (!construct->getConstructor()->isTrivial()) reason = runsCode(s, !isNoexcept(construct->getConstructor()), c);
    } else if (const auto* bind = dyn_cast<CXXBindTemporaryExpr>(s)) {
      reason = runsCode(bind, !isNoexcept(bind->getTemporary()->getDestructor()), c);
    } else if (const auto* cast = dyn_cast<CXXDynamicCastExpr>(s)) {
      if (cast->getType()->isReferenceType()) reason = runsCode(s, true, c);
    } else if (const auto* typeId = dyn_cast<CXXTypeidExpr>(s)) {
      if (typeId->isPotentiallyEvaluated()) reason = runsCode(s, true, c);
    } else if (const auto* op = dyn_cast<UnaryOperator>(s)) {
      if (op->isIncrementDecrementOp()) reason = runsCode(s, false, c);
    } else if (const auto* op = dyn_cast<BinaryOperator>(s)) {
      if (op->isAssignmentOp()) reason = runsCode(s, false, c);
    }
    return !reason;
  });
  if (!reason && c.operand->HasSideEffects(c.ast, /*IncludePossibleEffects=*/true))
    reason = runsCode(c.operand, false, c);
  return reason;
}

/// Read at the call, a value must be the same as at the first resume: only the coroutine's own
/// by-value parameters (copied at the call) and constants qualify. Members read through `this`,
/// anything behind a pointer or reference, and variables outside the coroutine may change between
/// the call and the first resume.
std::optional<std::string> operandReadsChangingState(const Coroutine& c) {
  if (!c.operand) return std::nullopt;
  auto changes = [&](const Stmt* s, std::string what) {
    return quotedOneLine(s, c.ast) + " " + what + ": the coroutine reads it when its task is first resumed, the rewrite "
           "when " + nameOf(c.fn) + " is called, and it may change in between";
  };
  std::optional<std::string> reason;
  walkEvaluated(c.operand, [&](const Stmt* s) {
    if (const auto* member = dyn_cast<MemberExpr>(s); member && member->isArrow()) {
      bool viaThis = isa<CXXThisExpr>(member->getBase()->IgnoreParenImpCasts());
      reason = changes(s, viaThis ? "is read through `this`" : "is read through a pointer");
    } else if (isa<CXXThisExpr>(s)) {
      reason = changes(s, "is read through `this`");
    } else if (const auto* op = dyn_cast<UnaryOperator>(s); op && op->getOpcode() == UO_Deref) {
      reason = changes(s, "is read through a pointer");
    } else if (const auto* op = dyn_cast<BinaryOperator>(s); op && op->getOpcode() == BO_PtrMemI) {
      reason = changes(s, "is read through a pointer");
    } else if (isa<ArraySubscriptExpr>(s)) {
      reason = changes(s, "is read through a pointer");
    } else if (const auto* ref = dyn_cast<DeclRefExpr>(s)) {
      const ValueDecl* decl = ref->getDecl();
      const auto* param = dyn_cast<ParmVarDecl>(decl);
      const auto* var = dyn_cast<VarDecl>(decl);
      if (param && param->getDeclContext() == &c.fn && param->getType()->isReferenceType())
        reason = changes(s, "is a reference parameter");
      else if (var && !(param && param->getDeclContext() == &c.fn) && !var->isUsableInConstantExpressions(c.ast))
        reason = changes(s, "is a variable from outside the coroutine");
    }
    return !reason;
  });
  return reason;
}

/// Undefined behaviour the operand may have for some values: signed overflow, division by zero,
/// out-of-range shifts and conversions, pointer arithmetic. The coroutine only evaluates the
/// operand if its task is awaited; the rewrite evaluates it at every call.
std::optional<std::string> operandMayBeUndefined(const Coroutine& c) {
  if (!c.operand) return std::nullopt;
  auto isConstant = [&](const Expr* e) { return !e->isValueDependent() && e->isIntegerConstantExpr(c.ast); };
  auto nonZeroDivisor = [&](const Expr* e) {
    auto value = isConstant(e) ? e->getIntegerConstantExpr(c.ast) : std::nullopt;
    return value && *value != 0 && !(value->isSigned() && value->isAllOnes());
  };
  std::optional<std::string> reason;
  walkEvaluated(c.operand, [&](const Stmt* s) {
    const auto* e = dyn_cast<Expr>(s);
    if (!e || isConstant(e)) return false;
    bool signedInteger = e->getType()->isSignedIntegerOrEnumerationType();
    if (const auto* op = dyn_cast<BinaryOperator>(e)) {
      switch (op->getOpcode()) {
        case BO_Add:
        case BO_Sub:
        case BO_Mul:
          if (signedInteger || e->getType()->isPointerType()) reason = "may overflow";
          break;
        case BO_Div:
        case BO_Rem:
          if (op->getType()->isIntegerType() && !nonZeroDivisor(op->getRHS())) reason = "may divide by zero";
          break;
        case BO_Shl:
        case BO_Shr:
          if (!isConstant(op->getRHS())) reason = "may shift by more than the width";
          break;
        default:
          break;
      }
    } else if (const auto* op = dyn_cast<UnaryOperator>(e); op && op->getOpcode() == UO_Minus && signedInteger) {
      reason = "may overflow";
    } else if (const auto* cast = dyn_cast<CastExpr>(e); cast && cast->getCastKind() == CK_FloatingToIntegral) {
      reason = "may be out of range";
    }
    if (reason)
      reason = quotedOneLine(s, c.ast) + " " + *reason + " (undefined behaviour): the coroutine evaluates it only if its "
               "task is awaited, the rewrite at every call of " + nameOf(c.fn);
    return !reason;
  });
  return reason;
}

// ---------------------------------------------------------------------------------------------
// The factory: `ready-future.Factories` maps a class template's qualified name to the factory's
// name, in which `<>` stands for the task type's template arguments: `fx::task=fx::task<>::ready`
// spells `fx::task<int>::ready(expr)` for `fx::task<int>`, and `fx::task<>::ready()` for
// `fx::task<>`.

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// The configured factory pattern for a class template (`key=pattern;key=pattern`), or nothing.
std::optional<std::string> factoryPattern(std::string_view configured, std::string_view templateName) {
  while (!configured.empty()) {
    size_t semicolon = configured.find(';');
    std::string_view entry = configured.substr(0, semicolon);
    configured = semicolon == std::string_view::npos ? std::string_view() : configured.substr(semicolon + 1);
    size_t equals = entry.find('=');
    if (equals == std::string_view::npos) continue;
    std::string_view key = trimmed(entry.substr(0, equals));
    if (key.substr(0, 2) == "::") key.remove_prefix(2);
    if (key == templateName) return std::string(trimmed(entry.substr(equals + 1)));
  }
  return std::nullopt;
}

/// The return type's template arguments as written (`int` in `fx::task<int>`, nothing in
/// `fx::task<>`), or printed fully qualified when written through an alias or a macro.
std::string templateArguments(const Coroutine& c, const TaskType& task) {
  const SourceManager& sources = c.ast.getSourceManager();
  TypeLoc returned = c.fn.getFunctionTypeLoc() ? c.fn.getFunctionTypeLoc().getReturnLoc() : TypeLoc();
  if (auto qualified = returned.getAs<QualifiedTypeLoc>()) returned = qualified.getUnqualifiedLoc();
  if (auto elaborated = returned.getAs<ElaboratedTypeLoc>()) returned = elaborated.getNamedTypeLoc();
  auto written = returned.getAs<TemplateSpecializationTypeLoc>();
  if (written && !written.getTypePtr()->isTypeAlias() && written.getLAngleLoc().isFileID() &&
      written.getRAngleLoc().isFileID()) {
    auto between = CharSourceRange::getCharRange(written.getLAngleLoc().getLocWithOffset(1), written.getRAngleLoc());
    return std::string(trimmed(Lexer::getSourceText(between, sources, c.ast.getLangOpts())));
  }
  return TypeName::getFullyQualifiedName(task.value, c.ast, c.ast.getPrintingPolicy());
}

std::string spelled(std::string pattern, const std::string& arguments) {
  for (size_t at = pattern.find("<>"); at != std::string::npos; at = pattern.find("<>", at + arguments.size() + 2))
    pattern.replace(at, 2, "<" + arguments + ">");
  return pattern;
}

/// `a::b<x, y>::c<z>` -> {"a", "b", "c"}: the names to look up, template arguments dropped.
std::vector<std::string> nameComponents(std::string_view name) {
  std::vector<std::string> out{""};
  int depth = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    char ch = name[i];
    if (ch == '<' || ch == '(') ++depth;
    else if (ch == '>' || ch == ')') --depth;
    else if (depth == 0 && ch == ':' && i + 1 < name.size() && name[i + 1] == ':') {
      out.emplace_back();
      ++i;
    } else if (depth == 0 && !std::isspace(static_cast<unsigned char>(ch))) {
      out.back() += ch;
    }
  }
  if (!out.empty() && out.front().empty()) out.erase(out.begin());  // a leading `::`
  return out;
}

/// The namespace or class a qualifier component names inside `scope`; the task's class template
/// stands for the task type itself.
const DeclContext* innerScope(const DeclContext& scope, const std::string& name, const TaskType& task,
                              ASTContext& ast) {
  for (const NamedDecl* found : scope.lookup(&ast.Idents.get(name))) {
    if (const auto* alias = dyn_cast<NamespaceAliasDecl>(found)) return alias->getNamespace();
    if (const auto* ns = dyn_cast<NamespaceDecl>(found)) return ns;
    if (const auto* classTemplate = dyn_cast<ClassTemplateDecl>(found)) {
      if (classTemplate->getCanonicalDecl() == task.specialization.getSpecializedTemplate()->getCanonicalDecl())
        return &task.specialization;
    } else if (const auto* record = dyn_cast<CXXRecordDecl>(found)) {
      if (record->getDefinition()) return record->getDefinition();
    }
  }
  return nullptr;
}

bool isForwardingReference(QualType type) {
  const auto* reference = type->getAs<RValueReferenceType>();
  return reference && !reference->getPointeeType().hasQualifiers() &&
         reference->getPointeeType()->getAs<TemplateTypeParmType>();
}

/// Whether `f` can be called as the factory: with `operand` (or no argument), returning the task type.
bool callableAsFactory(const FunctionDecl& f, const Expr* operand, QualType task) {
  if (const auto* method = dyn_cast<CXXMethodDecl>(&f); method && (!method->isStatic() || f.getAccess() != AS_public))
    return false;
  unsigned arguments = operand ? 1 : 0;
  bool pack = !f.parameters().empty() && f.parameters().back()->isParameterPack();
  if (arguments < f.getMinRequiredArguments() || (arguments > f.getNumParams() && !f.isVariadic() && !pack))
    return false;
  if (operand && f.getNumParams() > 0) {
    QualType parameter = f.getParamDecl(0)->getType();
    if (parameter->isLValueReferenceType() && !parameter->getPointeeType().isConstQualified()) return false;
    if (parameter->isRValueReferenceType() && !isForwardingReference(parameter) && operand->isLValue()) return false;
  }
  QualType returned = f.getReturnType();
  return returned->isDependentType() || returned->isUndeducedType() ||
         returned.getCanonicalType().getUnqualifiedType() == task.getCanonicalType().getUnqualifiedType();
}

/// Whether `name` names a function declared in this translation unit that can be the factory.
bool factoryDeclared(const std::string& name, const Coroutine& c, const TaskType& task) {
  std::vector<std::string> components = nameComponents(name);
  if (components.empty()) return false;
  const DeclContext* scope = c.ast.getTranslationUnitDecl();
  for (size_t i = 0; scope && i + 1 < components.size(); ++i) scope = innerScope(*scope, components[i], task, c.ast);
  if (!scope) return false;
  for (const NamedDecl* found : scope->lookup(&c.ast.Idents.get(components.back()))) {
    found = found->getUnderlyingDecl();
    const FunctionDecl* f = found->getAsFunction();
    if (f && callableAsFactory(*f, c.operand, c.fn.getReturnType())) return true;
  }
  return false;
}

struct Factory {
  std::string callee;  // `fx::task<int>::ready`
};

/// The factory call's callee as it will be written, or the reason there is none.
std::variant<Factory, std::string> factoryFor(const Coroutine& c, const TaskType& task, const CppRuleInput& input) {
  std::string option = "`" + std::string(kCheck) + "." + std::string(kOption) + "`";
  auto pattern = factoryPattern(input.option(kCheck, kOption, ""), task.templateName);
  if (!pattern)
    return "no ready factory is configured for " + quotedOneLine(task.templateName) + ": set " + option + " (e.g. `" +
           task.templateName + "=" + task.templateName +
           "<>::ready`) to the task type's function that makes a completed task";
  std::string callee = spelled(*pattern, templateArguments(c, task));
  if (!factoryDeclared(callee, c, task))
    return option + " names " + quotedOneLine(callee) + " for " + quotedOneLine(task.templateName) +
           ", but no public function of that name declared here takes " +
           (c.operand ? quotedOneLine(c.operand, c.ast) : std::string("no argument")) + " and returns " +
           quotedOneLine(c.fn.getReturnType(), c.ast);
  return Factory{callee};
}

// ---------------------------------------------------------------------------------------------
// The rewrite: `co_return expr;` -> `return factory(expr);`, `co_return;` -> `return factory();`.

tooling::Replacements rewrite(const Coroutine& c, const std::string& factory) {
  const SourceManager& sources = c.ast.getSourceManager();
  SourceLocation keyword = c.coreturn->getKeywordLoc();
  auto keywordRange = CharSourceRange::getCharRange(keyword, keyword.getLocWithOffset(strlen("co_return")));
  tooling::Replacements edits;
  if (!c.operand) {
    llvm::cantFail(edits.add(tooling::Replacement(sources, keywordRange, "return " + factory + "()")));
    return edits;
  }
  // `co_return(x)` needs a space after `return`; a top-level comma would split into two arguments.
  bool adjacent = c.operand->getBeginLoc() == keywordRange.getEnd();
  bool comma = isa<BinaryOperator>(c.operand) && cast<BinaryOperator>(c.operand)->isCommaOp();
  SourceLocation end = Lexer::getLocForEndOfToken(c.operand->getEndLoc(), 0, sources, c.ast.getLangOpts());
  std::string open = (adjacent ? " " : "") + factory + (comma ? "((" : "(");
  llvm::cantFail(edits.add(tooling::Replacement(sources, keywordRange, "return")));
  llvm::cantFail(edits.add(tooling::Replacement(sources, c.operand->getBeginLoc(), 0, open)));
  llvm::cantFail(edits.add(tooling::Replacement(sources, end, 0, comma ? "))" : ")")));
  return edits;
}

// ---------------------------------------------------------------------------------------------

CppFix fixFor(const Coroutine& c, const CppRuleInput& input) {
  if (!c.coreturn) return CppFix::unavailable(moreThanCoreturn(c));
  for (Condition unavailableWhen :
       {writtenInMacro, dependsOnTemplateParameters, declaredNoexcept, parameterCopiedIntoFrame, operandRunsCode})
    if (auto reason = unavailableWhen(c)) return CppFix::unavailable(*reason);
  auto task = taskTypeOf(c);
  if (auto* reason = std::get_if<std::string>(&task)) return CppFix::unavailable(*reason);
  const TaskType& taskType = std::get<TaskType>(task);
  for (ValueCondition unavailableWhen : {operandConverts, valueCopyRunsCode})
    if (auto reason = unavailableWhen(c, taskType)) return CppFix::unavailable(*reason);
  auto factory = factoryFor(c, taskType, input);
  if (auto* reason = std::get_if<std::string>(&factory)) return CppFix::unavailable(*reason);

  const std::string& callee = std::get<Factory>(factory).callee;
  std::string call = callee + "(" + (c.operand ? sourceText(c.operand->getSourceRange(), c.ast) : "") + ")";
  std::string description = "return " + quotedOneLine(call) + ", a completed task without a coroutine frame";
  std::string risks;
  for (Condition unsafeWhen : {operandReadsChangingState, operandMayBeUndefined})
    if (auto risk = unsafeWhen(c)) risks += (risks.empty() ? "" : "; ") + *risk;
  if (risks.empty()) return CppFix::safe(description, rewrite(c, callee));
  return CppFix::unsafe(description, risks, rewrite(c, callee));
}

CppFinding findingFor(const Coroutine& c, const CppRuleInput& input) {
  CppFinding finding;
  finding.check = std::string(kCheck);
  finding.range = CharSourceRange::getTokenRange(c.fn.getLocation());
  std::string what = c.coreturn ? "only does " + quotedOneLine(c.coreturn, c.ast)
                                : std::string("has no `co_await` or `co_yield`");
  finding.message = "coroutine " + nameOf(c.fn) + " never suspends: it " + what + ", yet " + std::string(kCost);
  if (c.coreturn)
    finding.notes.push_back({CharSourceRange::getTokenRange(c.coreturn->getSourceRange()), "the whole body"});
  finding.fix = fixFor(c, input);
  return finding;
}

/// Every function definition, lambdas included, but not template instantiations (the pattern is
/// judged instead).
class CoroutineFinder : public RecursiveASTVisitor<CoroutineFinder> {
 public:
  explicit CoroutineFinder(const CppRuleInput& input) : input_(input) {}
  bool VisitFunctionDecl(FunctionDecl* fn) {
    check(*fn);
    return true;
  }
  bool VisitLambdaExpr(LambdaExpr* lambda) {
    check(*lambda->getCallOperator());
    return true;
  }
  std::vector<CppFinding> findings;

 private:
  void check(const FunctionDecl& fn) {
    if (!seen_.insert(&fn).second) return;
    if (auto coroutine = matchCoroutine(fn, input_.ast)) findings.push_back(findingFor(*coroutine, input_));
  }
  const CppRuleInput& input_;
  std::set<const FunctionDecl*> seen_;
};

class ReadyFutureCpp final : public CppRule {
 public:
  std::string_view id() const override { return kCheck; }
  std::string_view summary() const override {
    return "a coroutine that never suspends and only does `co_return expr;` can return its task type's ready "
           "factory";
  }
  std::vector<CppFinding> check(const CppRuleInput& input) const override {
    CoroutineFinder finder(input);
    finder.TraverseDecl(input.ast.getTranslationUnitDecl());
    return std::move(finder.findings);
  }
};

}  // namespace

CORO_FIX_REGISTER_RULE(ReadyFutureCpp);

}  // namespace corofix
