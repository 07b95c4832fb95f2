#include "rewriter/relevant_ranges.h"

#include <algorithm>
#include <iterator>

namespace corofix {
namespace {

enum class Kind { Identifier, Punct, Literal, Lifetime };

struct Token {
  Kind kind;
  uint32_t begin, end;
};

// ASCII classes without the C library's locale lookups: the lexer sees every byte of a crate.
bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLetter(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
bool identStart(char c) { return isLetter(c) || c == '_' || (c & 0x80); }
bool identChar(char c) { return identStart(c) || isDigit(c); }

/// Rust's tokens, as far as brace matching and keywords need: comments, strings (raw, byte),
/// char literals vs lifetimes. Returns false on input it cannot tokenise (unterminated literal).
bool tokenize(std::string_view s, std::vector<Token>& out) {
  size_t i = 0, n = s.size();
  out.reserve(n / 4);
  auto skipQuoted = [&](size_t from) {  // from: just after the opening quote
    for (size_t j = from; j < n; ++j) {
      if (s[j] == '\\') ++j;
      else if (s[j] == '"') return j + 1;
    }
    return std::string_view::npos;
  };
  while (i < n) {
    char c = s[i];
    if (isSpace(c)) { ++i; continue; }
    if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      size_t nl = s.find('\n', i);
      i = nl == std::string_view::npos ? n : nl;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      int depth = 1;
      for (i += 2; i < n && depth > 0; ++i) {
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') { ++depth; ++i; }
        else if (s[i] == '*' && i + 1 < n && s[i + 1] == '/') { --depth; ++i; }
      }
      if (depth > 0) return false;
      continue;
    }
    size_t begin = i;
    // Raw strings: r"..", r#".."#, br#".."#, cr#".."#.
    size_t p = i;
    if ((s[p] == 'b' || s[p] == 'c') && p + 1 < n && s[p + 1] == 'r') ++p;
    if (s[p] == 'r' && p + 1 < n && (s[p + 1] == '"' || s[p + 1] == '#')) {
      size_t q = p + 1, hashes = 0;
      while (q < n && s[q] == '#') { ++hashes; ++q; }
      if (q < n && s[q] == '"') {
        std::string closing = "\"" + std::string(hashes, '#');
        size_t end = s.find(closing, q + 1);
        if (end == std::string_view::npos) return false;
        i = end + closing.size();
        out.push_back({Kind::Literal, uint32_t(begin), uint32_t(i)});
        continue;
      }
    }
    if (c == '"' || ((c == 'b' || c == 'c') && i + 1 < n && s[i + 1] == '"')) {
      size_t end = skipQuoted(c == '"' ? i + 1 : i + 2);
      if (end == std::string_view::npos) return false;
      i = end;
      out.push_back({Kind::Literal, uint32_t(begin), uint32_t(i)});
      continue;
    }
    if (c == '\'' || (c == 'b' && i + 1 < n && s[i + 1] == '\'')) {
      size_t q = c == '\'' ? i + 1 : i + 2;
      if (q < n && s[q] == '\\') {  // escaped char literal
        size_t end = s.find('\'', q + 2);
        if (end == std::string_view::npos) return false;
        i = end + 1;
        out.push_back({Kind::Literal, uint32_t(begin), uint32_t(i)});
        continue;
      }
      size_t next = q + 1;  // one UTF-8 code point, then a quote: a char literal
      while (next < n && (static_cast<unsigned char>(s[next]) & 0xC0) == 0x80) ++next;
      if (next < n && s[next] == '\'') {
        i = next + 1;
        out.push_back({Kind::Literal, uint32_t(begin), uint32_t(i)});
        continue;
      }
      if (c == 'b') return false;
      i = q;  // a lifetime or label
      while (i < n && identChar(s[i])) ++i;
      out.push_back({Kind::Lifetime, uint32_t(begin), uint32_t(i)});
      continue;
    }
    if (identStart(c)) {
      while (i < n && identChar(s[i])) ++i;
      if (i < n && s[i] == '#' && i - begin == 1 && c == 'r') {  // raw identifier r#name
        ++i;
        while (i < n && identChar(s[i])) ++i;
      }
      out.push_back({Kind::Identifier, uint32_t(begin), uint32_t(i)});
      continue;
    }
    if (isDigit(c)) {
      while (i < n && (identChar(s[i]) || (s[i] == '.' && i + 1 < n && isDigit(s[i + 1]))))
        ++i;
      out.push_back({Kind::Literal, uint32_t(begin), uint32_t(i)});
      continue;
    }
    out.push_back({Kind::Punct, uint32_t(begin), uint32_t(++i)});
  }
  return true;
}

class Scanner {
 public:
  Scanner(std::string_view text, const std::vector<Token>& tokens) : s_(text), t_(tokens) {}

  bool run(SkippableText& out) {
    if (!matchBrackets()) return false;
    // Token spans, in order, whose comments addCommentGaps leaves alone: each kept or plain fn's
    // from its first token (a kept fn keeps the comments just before it), and the inside of each
    // body and macro invocation skipped whole.
    std::vector<std::pair<size_t, size_t>> fns;
    size_t externBlockEnd = 0;  // the `}` of the `extern "C" { .. }` block being scanned
    size_t macroEnd = 0;  // the closing bracket of the macro invocation or `macro_rules!` being scanned
    for (size_t i = 0; i < t_.size(); ++i) {
      if (size_t open = externBlockOpen(i); open != kNone) externBlockEnd = match_[open];
      bool inMacro = i < macroEnd;
      if (size_t open = inMacro ? kNone : macroRulesOpen(i); open != kNone) {
        // Parsed (rules read what a `macro_rules!` expands to), but the parse sees its fns as
        // tokens: they are lexed for the index like those of a macro invocation.
        macroEnd = match_[open];
        i = open;
        continue;
      }
      if (size_t open = inMacro ? kNone : macroInvocationOpen(i); open != kNone) {
        // No rule reads inside a macro invocation, and the parse sees no item there.
        macroEnd = match_[open];
        addInside(open, macroEnd, out.ranges);
        fns.emplace_back(open + 1, macroEnd);
        i = open;
        continue;
      }
      out.mustParse |= !inMacro && (isWord(i, "await") || (isWord(i, "async") && !startsASignature(i)));
      if (!startsAFnItem(i)) continue;
      size_t body = signatureEnd(i);
      if (body == kNone) continue;
      size_t start = itemStart(i), close = isPunct(body, ';') ? body : match_[body];
      if (inMacro) {
        // The fns a macro invocation holds are lexed for the index, but not `async` ones: what the
        // macro makes of them is unknown, and only a lazy definition could make a fix safe.
        if (!isAsyncFn(start, i)) out.macroFunctions.push_back(shape(start, i, body, close));
        i = close;
        continue;
      }
      if (isPunct(body, ';')) {
        // A foreign fn returns a C value, never a future: only trait fns are worth indexing.
        if (i > externBlockEnd) out.otherFunctions.push_back(shape(start, i, body, body));
        continue;
      }
      if (isPlain(start, close)) {
        out.plainFunctions.push_back(shape(start, i, body, close));
        addNestedFns(i, close, out.plainFunctions);
        out.ranges.push_back({gapBegin(start), t_[close].end});
        fns.emplace_back(start, close);
      } else if (noRuleReads(body, close, isAsyncFn(start, i))) {
        out.otherFunctions.push_back(shape(start, i, body, close));
        addInside(body, close, out.ranges);
        fns.emplace_back(body + 1, close);  // its docs are skipped too: no rule reads or edits it
      } else {
        out.mustParse = true;
        fns.emplace_back(start, close);
      }
      i = close;  // outermost only: a kept fn's nested items stay parsed with it
    }
    addCommentGaps(fns, out.ranges);
    return true;
  }

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);

  /// Where the whitespace and comments before token `i` begin.
  uint32_t gapBegin(size_t i) const { return i == 0 ? 0 : t_[i - 1].end; }

  /// The inside of the brackets from token `open` to `close`, unless empty.
  void addInside(size_t open, size_t close, std::vector<TextRange>& ranges) const {
    if (t_[open].end < t_[close].begin) ranges.push_back({t_[open].end, t_[close].begin});
  }

  /// Adds each gap between tokens that holds a comment, unless it lies inside a fn or just before
  /// one: a kept fn keeps those, a plain fn's range already covers them. Keeps `ranges` sorted.
  void addCommentGaps(const std::vector<std::pair<size_t, size_t>>& fns, std::vector<TextRange>& ranges) const {
    std::vector<TextRange> gaps;
    auto fn = fns.begin();
    for (size_t next = 0; next <= t_.size(); ++next) {
      while (fn != fns.end() && fn->second < next) ++fn;
      if (fn != fns.end() && fn->first <= next) continue;  // inside a fn, or just before its first token
      uint32_t begin = gapBegin(next), end = next == t_.size() ? uint32_t(s_.size()) : t_[next].begin;
      if (s_.substr(begin, end - begin).find('/') != std::string_view::npos) gaps.push_back({begin, end});
    }
    std::vector<TextRange> merged;
    std::merge(ranges.begin(), ranges.end(), gaps.begin(), gaps.end(), std::back_inserter(merged),
               [](const TextRange& a, const TextRange& b) { return a.begin < b.begin; });
    ranges = std::move(merged);
  }

  /// No `async` or `await` keyword from token `first` to `last`.
  bool isPlain(size_t first, size_t last) const {
    for (size_t i = first; i <= last; ++i)
      if (isWord(i, "async") || isWord(i, "await")) return false;
    return true;
  }

  /// Adds the fns nested in the fn from token `fn` to `close`, at any depth: a method of an `impl`
  /// in a fn body may be any call's callee.
  void addNestedFns(size_t fn, size_t close, std::vector<LexedFunction>& out) {
    for (size_t i = fn + 1; i < close; ++i) {
      if (!startsAFnItem(i)) continue;
      size_t body = signatureEnd(i);
      if (body != kNone) out.push_back(shape(itemStart(i), i, body, isPunct(body, ';') ? body : match_[body]));
    }
  }

  /// The opening bracket of the macro invocation `name!(..)`, `name! {..}` or `name![..]` that
  /// starts at token `i`, or kNone. Not `macro_rules!`: rules read what a `macro_rules!` expands to.
  size_t macroInvocationOpen(size_t i) const {
    if (t_[i].kind != Kind::Identifier || isWord(i, "macro_rules") || i + 2 >= t_.size() || !isPunct(i + 1, '!'))
      return kNone;
    return opensBracket(i + 2) ? i + 2 : kNone;
  }

  /// The opening bracket of the `macro_rules! name { .. }` that starts at token `i`, or kNone.
  size_t macroRulesOpen(size_t i) const {
    if (!isWord(i, "macro_rules") || i + 3 >= t_.size() || !isPunct(i + 1, '!') || t_[i + 2].kind != Kind::Identifier)
      return kNone;
    return opensBracket(i + 3) ? i + 3 : kNone;
  }

  /// Token `i` is the `fn` of a fn item (`fn name`), not of a pointer type (`fn(u8) -> u8`).
  bool startsAFnItem(size_t i) const {
    return isWord(i, "fn") && i + 1 < t_.size() && t_[i + 1].kind == Kind::Identifier;
  }

  /// The `async` at token `i` begins a fn's signature (`async fn`, `async unsafe extern "C" fn`),
  /// not a block or closure.
  bool startsASignature(size_t i) const {
    for (++i; i < t_.size() && (isWord(i, "unsafe") || isWord(i, "extern") || t_[i].kind == Kind::Literal);) ++i;
    return i < t_.size() && isWord(i, "fn");
  }

  bool isAsyncFn(size_t start, size_t fn) const {
    for (size_t i = start; i < fn; ++i)
      if (isWord(i, "async")) return true;
    return false;
  }

  /// Whether no rule reads inside the braces from token `open` to `close`: a fn body (`isAsync`
  /// for an `async fn`'s) or an `async` block's. Nothing in it is what a rule matches:
  ///   - it holds more than one statement, or does not end in an await: forward-await and
  ///     redundant-async-block want one awaited call (the index reads a fn of one expression
  ///     from the lexer: see SkippableText::otherFunctions);
  ///   - an `async` one awaits itself (not only in nested blocks): ready-future wants no await;
  ///   - fewer than two awaits end a `match` arm or a block: hoist-await needs two such arms;
  ///   - each `async` block in it is such a body too, and it holds no other `async` (a closure)
  ///     and no nested fn (the index reads those from the parse).
  bool noRuleReads(size_t open, size_t close, bool isAsync) const {
    bool awaits = false, statements = false;
    unsigned armEndingAwaits = 0;
    for (size_t i = open + 1; i < close; ++i) {
      if (startsAFnItem(i)) return false;
      if (isWord(i, "async")) {
        size_t brace = i + 1 < close && isWord(i + 1, "move") ? i + 2 : i + 1;
        if (!isPunct(brace, '{') || !noRuleReads(brace, match_[brace], true)) return false;
        i = match_[brace];
        continue;
      }
      if (!isWord(i, "await")) continue;
      awaits = true;
      size_t next = i + 1 < close && isPunct(i + 1, '?') ? i + 2 : i + 1;
      while (next < close && isPunct(next, ')')) ++next;
      if (next == close || isPunct(next, ',') || isPunct(next, '}')) ++armEndingAwaits;
    }
    for (size_t i = open + 1; i < close; ++i) {  // a `;` between two statements of the body itself
      if (isPunct(i, ';') && i + 1 < close) statements = true;
      if (opensBracket(i)) i = match_[i];
    }
    size_t last = close - 1;  // `g(..).await`, `(g(..).await)`, `return g(..).await;`, `g(..).await?`
    while (last > open && (isPunct(last, ';') || isPunct(last, ')') || isPunct(last, '?'))) --last;
    bool endsInAwait = isWord(last, "await");
    return (statements || !endsInAwait) && armEndingAwaits < 2 && (awaits || !isAsync);
  }

  /// The `{` of the block `extern "ABI" {` that starts at token `i`, or kNone.
  size_t externBlockOpen(size_t i) const {
    if (!isWord(i, "extern")) return kNone;
    size_t next = i + 1 < t_.size() && t_[i + 1].kind == Kind::Literal ? i + 2 : i + 1;
    return next < t_.size() && isPunct(next, '{') ? next : kNone;
  }

  bool isWord(size_t i, std::string_view word) const {
    return t_[i].kind == Kind::Identifier && text(i) == word;
  }
  bool isPunct(size_t i, char c) const { return t_[i].kind == Kind::Punct && s_[t_[i].begin] == c; }
  bool opensBracket(size_t i) const { return isPunct(i, '(') || isPunct(i, '{') || isPunct(i, '['); }
  std::string_view text(size_t i) const { return s_.substr(t_[i].begin, t_[i].end - t_[i].begin); }

  bool matchBrackets() {
    match_.assign(t_.size(), kNone);
    std::vector<size_t> open;
    for (size_t i = 0; i < t_.size(); ++i) {
      if (t_[i].kind != Kind::Punct) continue;
      char c = s_[t_[i].begin];
      if (c == '{' || c == '(' || c == '[') open.push_back(i);
      if (c == '}' || c == ')' || c == ']') {
        if (open.empty()) return false;
        char o = s_[t_[open.back()].begin];
        if ((c == '}') != (o == '{') || (c == ')') != (o == '(')) return false;
        match_[open.back()] = i;
        match_[i] = open.back();
        open.pop_back();
      }
    }
    return open.empty();
  }

  /// The token ending the fn's signature, skipping its brackets: the body's `{`, or the `;` of a
  /// declaration; kNone if anything else follows. Angle brackets are counted: the `{ N }` of a
  /// const argument (`Vec<u8, { N }>`) is not the body.
  size_t signatureEnd(size_t fn) const {
    int angles = 0;
    for (size_t i = fn + 2; i < t_.size(); ++i) {
      if (isPunct(i, '-') && i + 1 < t_.size() && isPunct(i + 1, '>')) ++i;  // `->`
      else if (isPunct(i, '<')) ++angles;
      else if (isPunct(i, '>')) --angles;
      else if (angles <= 0 && (isPunct(i, ';') || isPunct(i, '{'))) return i;
      else if (opensBracket(i)) i = match_[i];
      else if (isPunct(i, '}') || isPunct(i, ')') || isPunct(i, ']')) return kNone;
    }
    return kNone;
  }

  /// The fn from token `start` to `close`, whose signature ends at token `signatureEnd` (the body's
  /// `{` or the declaration's `;`).
  LexedFunction shape(size_t start, size_t fn, size_t signatureEnd, size_t close) {
    LexedFunction out;
    out.item = {t_[start].begin, t_[close].end};
    out.name = {t_[fn + 1].begin, t_[fn + 1].end};
    out.signature = {t_[start].begin, signatureEnd == close ? t_[close].end : t_[signatureEnd].begin};
    out.isAsync = isAsyncFn(start, fn);
    out.line = lineOf(out.item.begin);
    out.returnType = returnType(fn, signatureEnd);
    out.bodyIsOneExpression = signatureEnd != close;
    for (size_t i = signatureEnd + 1; i < close && out.bodyIsOneExpression; ++i) {
      if (isPunct(i, ';')) out.bodyIsOneExpression = false;
      if (opensBracket(i)) i = match_[i];
    }
    return out;
  }

  /// The type after the signature's `->`, up to `where` or `end`; empty without one. Angle
  /// brackets are counted so that `F: Fn() -> u8` in the generics is not taken for it.
  TextRange returnType(size_t fn, size_t end) const {
    int angles = 0;
    for (size_t i = fn + 2; i < end; ++i) {
      bool arrow = isPunct(i, '-') && i + 1 < end && isPunct(i + 1, '>');
      if (arrow && angles == 0) {
        size_t last = i + 1;
        while (last + 1 < end && !isWord(last + 1, "where")) ++last;
        return last == i + 1 ? TextRange{} : TextRange{t_[i + 2].begin, t_[last].end};
      }
      if (arrow) ++i;
      else if (isPunct(i, '<')) ++angles;
      else if (isPunct(i, '>')) --angles;
      else if (isPunct(i, '(') || isPunct(i, '[')) i = match_[i];
    }
    return {};
  }

  /// The first token of the item: modifiers, visibility and outer attributes before `fn`.
  size_t itemStart(size_t fn) const {
    size_t start = fn;
    while (start > 0) {
      size_t prev = start - 1;
      if (t_[prev].kind == Kind::Identifier &&
          (text(prev) == "pub" || text(prev) == "async" || text(prev) == "unsafe" || text(prev) == "const" ||
           text(prev) == "extern" ||
           text(prev) == "default" || text(prev) == "safe")) {
        start = prev;
      } else if (t_[prev].kind == Kind::Literal && prev > 0 && isWord(prev - 1, "extern")) {
        start = prev;  // extern "C"
      } else if (isPunct(prev, ')') && match_[prev] > 0 && isWord(match_[prev] - 1, "pub")) {
        start = match_[prev] - 1;  // pub(crate), pub(in path)
      } else if (isPunct(prev, ']') && match_[prev] > 0 && isPunct(match_[prev] - 1, '#')) {
        start = match_[prev] - 1;  // #[attribute]
      } else {
        break;
      }
    }
    return start;
  }

  /// The 0-based line of `offset`; fns are shaped in order, so the count only moves forward.
  uint32_t lineOf(uint32_t offset) {
    lines_ += static_cast<uint32_t>(std::count(s_.begin() + counted_, s_.begin() + offset, '\n'));
    counted_ = offset;
    return lines_;
  }

  std::string_view s_;
  const std::vector<Token>& t_;
  std::vector<size_t> match_;
  uint32_t counted_ = 0, lines_ = 0;
};

}  // namespace

SkippableText skippableText(std::string_view text) {
  std::vector<Token> tokens;
  SkippableText out;
  if (!tokenize(text, tokens) || !Scanner(text, tokens).run(out)) return {};
  out.lexed = true;
  return out;
}

}  // namespace corofix
