"""`--filter` expressions over runs (`lr < 1e-3 and model = conformer`): a tokeniser and a
recursive-descent parser, never `eval`. Keys are resolved by `run_fields`.

    expr  := and ("or" and)*
    and   := not ("and" not)*
    not   := "not" not | "(" expr ")" | KEY OP VALUE
    OP    := < <= > >= = == != ~      (~: substring, or glob when the value has * ? [)

A value is a number (1e-3), a quoted string ('a b', "x"), or a bare word (conformer, aug*).
A run without the key matches only `!=`. Any malformed input raises one `UsageError` that
names the position.
"""

from __future__ import annotations

import fnmatch
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlpm.errors import UsageError
from mlpm.services.run_values import RunValues
from mlpm.services.runs import number

OPERATORS = ("<=", ">=", "!=", "==", "<", ">", "=", "~")
KEYWORDS = ("and", "or", "not")
MAX_DEPTH = 64  # nesting deeper than any real filter; keeps recursion far from Python's limit
_WORD = re.compile(r"[^\s()<>=!~\"']+")
_GLOB = re.compile(r"[*?\[]")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")  # not nan or inf: words


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "string", "op", "(", ")", "end"
    text: str
    pos: int  # 0-based offset into the expression


def _error(expr: str, pos: int, message: str) -> UsageError:
    near = expr[pos : pos + 12].strip()
    where = f"at position {pos + 1}" + (f" (near {near!r})" if near else " (at the end)")
    return UsageError(f"bad filter {expr!r}: {message} {where}")


def tokenise(expr: str) -> list[Token]:
    """The expression's tokens, ending with an "end" token."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(expr):
        ch = expr[pos]
        if ch.isspace():
            pos += 1
        elif ch in "()":
            tokens.append(Token(ch, ch, pos))
            pos += 1
        elif ch in "\"'":
            text, end = _quoted(expr, pos)
            tokens.append(Token("string", text, pos))
            pos = end
        elif op := next((o for o in OPERATORS if expr.startswith(o, pos)), None):
            tokens.append(Token("op", op, pos))
            pos += len(op)
        elif match := _WORD.match(expr, pos):
            tokens.append(Token("word", match.group(), pos))
            pos = match.end()
        else:
            raise _error(expr, pos, f"unexpected {ch!r}")
    tokens.append(Token("end", "", len(expr)))
    return tokens


def _quoted(expr: str, start: int) -> tuple[str, int]:
    """A quoted string from `start` (backslash escapes the next character): (text, end)."""
    quote, out, pos = expr[start], [], start + 1
    while pos < len(expr):
        ch = expr[pos]
        if ch == "\\" and pos + 1 < len(expr):
            out.append(expr[pos + 1])
            pos += 2
        elif ch == quote:
            return "".join(out), pos + 1
        else:
            out.append(ch)
            pos += 1
    raise _error(expr, start, "unclosed quote")


# -- matching ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _compare(actual: Any, op: str, wanted: str | float) -> bool:
    """One value against the literal (lists such as tags: any element for `=`/`~`)."""
    if actual is None:
        return op == "!="
    if isinstance(actual, list):
        if op == "!=":
            return not any(_compare(a, "=", wanted) for a in actual)
        return any(_compare(a, op, wanted) for a in actual)
    if op == "~":
        text, pattern = _text(actual).lower(), _text(wanted).lower()
        if _GLOB.search(pattern):
            return fnmatch.fnmatchcase(text, pattern)
        return pattern in text
    have = number(actual)
    if have is None and isinstance(actual, str):
        try:  # a number stored as text (`"1e-3"` in a config) compares as one
            have = float(actual)
        except ValueError:
            have = None
    if isinstance(wanted, float) and have is not None:
        left: Any = have
        right: Any = wanted
    elif isinstance(wanted, float):
        return op == "!="
    else:
        left, right = _text(actual), wanted
    if op in ("=", "=="):
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if isinstance(left, float) and math.isnan(left):
        return False
    return bool(
        {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    )


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_EQUAL: dict[str, Callable[[Any, Any], bool]] = {"=": operator.eq, "==": operator.eq}
_EQUAL["!="] = operator.ne


_NUMBERS = (float, int)  # exactly these types: a bool is not a number here


def _column_test(op: str, wanted: str | float) -> Callable[[list[Any]], list[bool]]:
    """Whether each value of a column passes `_compare` against one literal, the usual cases
    (a number against a number, a word equal to a word) decided in one comprehension without
    its general steps: the same answers, sooner (10,000 runs a filter in the TUI)."""

    def general(actual: Any) -> bool:
        return _compare(actual, op, wanted)

    if isinstance(wanted, float) and op in _ORDER:
        order = _ORDER[op]
        return lambda column: [
            (v == v and order(float(v), wanted)) if type(v) in _NUMBERS else general(v)  # NaN
            for v in column
        ]
    if op in _EQUAL:
        equal = _EQUAL[op]
        if isinstance(wanted, float):
            return lambda column: [
                equal(float(v), wanted) if type(v) in _NUMBERS else general(v) for v in column
            ]
        # text against a word compares as text
        return lambda column: [equal(v, wanted) if type(v) is str else general(v) for v in column]
    return lambda column: list(map(general, column))


Mask = Callable[[RunValues], list[bool]]  # whether each run of the values is kept


@dataclass(frozen=True, slots=True)
class Filter:
    """A parsed expression or search; it never raises on any run."""

    text: str
    mask: Mask


# -- parsing -------------------------------------------------------------------------------


class _Parser:
    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.tokens = tokenise(expr)
        self.at = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def keyword(self, word: str) -> bool:
        token = self.token
        if token.kind == "word" and token.text.lower() == word:
            self.at += 1
            return True
        return False

    def fail(self, message: str, token: Token | None = None) -> UsageError:
        return _error(self.expr, (token or self.token).pos, message)

    def parse(self) -> Mask:
        if self.token.kind == "end":
            raise self.fail("empty expression")
        test = self.or_(0)
        if self.token.kind != "end":
            raise self.fail("expected 'and', 'or' or the end")
        return test

    def or_(self, depth: int) -> Mask:
        parts = [self.and_(depth)]
        while self.keyword("or"):
            parts.append(self.and_(depth))
        if len(parts) == 1:
            return parts[0]
        return lambda values: list(map(any, zip(*(part(values) for part in parts), strict=True)))

    def and_(self, depth: int) -> Mask:
        parts = [self.not_(depth)]
        while self.keyword("and"):
            parts.append(self.not_(depth))
        if len(parts) == 1:
            return parts[0]
        return lambda values: list(map(all, zip(*(part(values) for part in parts), strict=True)))

    def not_(self, depth: int) -> Mask:
        if depth > MAX_DEPTH:
            raise self.fail("nested too deeply")
        if self.keyword("not"):
            inner = self.not_(depth + 1)
            return lambda values: [not kept for kept in inner(values)]
        if self.token.kind == "(":
            self.at += 1
            inner = self.or_(depth + 1)
            if self.token.kind != ")":
                raise self.fail("expected ')'")
            self.at += 1
            return inner
        return self.comparison()

    def comparison(self) -> Mask:
        key = self.token
        if key.kind != "word" or key.text.lower() in KEYWORDS:
            raise self.fail("expected a key such as lr, config.lr or summary.val/acc")
        self.at += 1
        op = self.token
        if op.kind != "op":
            raise self.fail(f"expected an operator ({' '.join(OPERATORS)}) after {key.text!r}")
        self.at += 1
        value = self.token
        if value.kind not in ("word", "string"):
            raise self.fail(f"expected a value after {op.text!r}")
        self.at += 1
        # `~` matches the text as typed (`lr ~ 1e-3` is not `lr ~ 0.001`)
        wanted = value.text if op.text == "~" else _literal(value)
        name, test = key.text, _column_test(op.text, wanted)
        return lambda values: test(values.of(name))


def _literal(token: Token) -> str | float:
    """A bare word that reads as a number is one (1e-3, -2); anything else is text."""
    if token.kind == "word" and _NUMBER.fullmatch(token.text):
        return float(token.text)
    return token.text


def parse(expr: str) -> Filter:
    """The filter `expr` describes; a `UsageError` naming the position when it is malformed."""
    return Filter(expr, _Parser(expr).parse())
