"""The contract clause grammar, shared by ``# adnn:`` comments and the spec's ``contract`` string.

    contract   = clause { "," clause } ;
    clause     = "accuracy" ( ">=" | "≥" ) fraction [ "on" split ]
               | "max_time" "=" duration
               | "max_trial" "=" integer
               | "max_gain" "=" fraction
               | "delta" "=" number
               | "confidence" "=" fraction ;
    split      = "test" | "validation" ;
    fraction   = number [ "%" ] ;
    duration   = number [ unit ] { number unit } ;      (* bare number: seconds; "10 m" too *)
    unit       = "ms" | "s" | "m" | "min" | "h"         (* also sec, minutes, hours, ... *)

The grammar is a handful of tokens, and every error must carry the exact column, so a small
hand-written lexer and recursive-descent parser serve better here than a parser generator.
"""

from __future__ import annotations

import ast
import bisect
import io
import math
import re
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from adnn_lint.scan.records import ModelRecord
from adnn_lint.spec.errors import ContractSyntaxError
from adnn_lint.spec.model import Contract, Split

SPLITS: tuple[Split, ...] = ("test", "validation")
#: Contract fields a clause or a ``[contract]`` table may set, in canonical order.
CONTRACT_KEYS = ("accuracy", "split", "max_time", "max_trial", "max_gain", "delta", "confidence")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_UNITS.update({"sec": 1.0, "second": 1.0, "seconds": 1.0, "minute": 60.0, "minutes": 60.0})
_UNITS.update({"hr": 3600.0, "hour": 3600.0, "hours": 3600.0, "mins": 60.0, "secs": 1.0})
_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN = re.compile(
    rf"(?P<space>\s+)|(?P<quantity>(?:{_NUMBER}[A-Za-z%]*)+)|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<op>>=|≥|<=|[<>=,])"
)
_PART = re.compile(rf"({_NUMBER})([A-Za-z%]*)")
_COMMENT = re.compile(r"#\s*adnn\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class _Token:
    kind: str  # "quantity", "name", "op", "end"
    text: str
    offset: int


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ContractSyntaxError(f"unexpected character {text[pos]!r}", pos)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _number(text: str, offset: int) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ContractSyntaxError(f"{text!r} is not a number", offset) from None
    return value


def parse_fraction(text: str, offset: int = 0) -> float:
    """``0.88`` or ``88%`` -> 0.88 (the percentage is divided exactly, then rounded once)."""
    percent = text.endswith("%")
    body = text[:-1] if percent else text
    if not re.fullmatch(_NUMBER, body):
        raise ContractSyntaxError(f"expected a number or a percentage, got {text!r}", offset)
    value = _number(body, offset)
    return float(value / 100) if percent else float(value)


def parse_duration(text: str, offset: int = 0) -> float:
    """``90s``, ``10m``, ``2h``, ``1h30m``, ``1.5h``, ``10 minutes``; a bare number is seconds."""
    if text != text.strip() or " " in text:
        # "10 minutes", "1 h 30 m": spaces carry no meaning (offsets then approximate)
        return parse_duration(text.replace(" ", "").strip(), offset)
    pos = 0
    total = Decimal(0)
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None:
            raise ContractSyntaxError(f"malformed duration {text!r}", offset + pos)
        number, unit = match.groups()
        if not unit and (pos > 0 or match.end() < len(text)):
            raise ContractSyntaxError("a duration part needs a unit (ms, s, m, min, h)", offset)
        if unit and unit not in _UNITS:
            raise ContractSyntaxError(
                f"unknown time unit {unit!r} (use ms, s, m, min or h)",
                offset + match.start(2),
            )
        total += _number(number, offset + pos) * Decimal(str(_UNITS[unit] if unit else 1.0))
        pos = match.end()
    if pos == 0:
        raise ContractSyntaxError("expected a duration such as 90s, 10m or 2h", offset)
    return float(total)


def format_duration(seconds: float) -> str:
    """The shortest spelling that ``parse_duration`` reads back as exactly ``seconds``."""
    if seconds.is_integer() and seconds >= 0:
        whole = int(seconds)
        if whole and whole % 3600 == 0:
            return f"{whole // 3600}h"
        if whole and whole % 60 == 0:
            return f"{whole // 60}m"
        return f"{whole}s"
    return f"{seconds!r}s"


def check_contract_value(key: str, value: float | int | str) -> str | None:
    """Why ``value`` is impossible for contract ``key``; None when it is fine."""
    if key == "split":
        return None if value in SPLITS else f"split must be one of {', '.join(SPLITS)}"
    if isinstance(value, str):
        return f"{key} must be a number"
    if not math.isfinite(value):
        return f"{key} must be finite"
    if key == "accuracy" and not 0.0 <= value <= 1.0:
        return f"accuracy {value} is outside [0, 1] (write 0.88 or 88%)"
    if key == "max_gain" and not 0.0 <= value <= 1.0:
        return f"max_gain {value} is outside [0, 1] (a gain in accuracy: 0.02 or 2%)"
    if key == "confidence" and not 0.0 < value < 1.0:
        return f"confidence {value} must be strictly between 0 and 1"
    if key == "max_time" and value <= 0:
        return f"max_time must be a positive duration, got {value}"
    if key == "max_trial" and value < 1:
        return f"max_trial must be a positive number of trials, got {value}"
    if key == "delta" and value <= 0:
        return f"delta must be a positive step size, got {value}"
    return None


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _lex(text)
        self.index = 0
        self.values: dict[str, float | int | str] = {}

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect_op(self, *ops: str) -> _Token:
        token = self.take()
        if token.kind != "op" or token.text not in ops:
            shown = repr(token.text) if token.text else "end of contract"
            raise ContractSyntaxError(f"expected {' or '.join(ops)}, got {shown}", token.offset)
        return token

    def set(self, key: str, value: float | int | str, token: _Token) -> None:
        problem = check_contract_value(key, value)
        if problem:
            raise ContractSyntaxError(problem, token.offset)
        self.values[key] = value

    def parse(self) -> Contract:
        if self.peek().kind == "end":
            raise ContractSyntaxError(
                "empty contract: expected a clause such as accuracy >= 0.9", 0
            )
        while True:
            self.clause()
            token = self.take()
            if token.kind == "end":
                break
            if token.text != ",":
                raise ContractSyntaxError(
                    f"expected ',' between clauses, got {token.text!r}", token.offset
                )
        return Contract(**self.values)  # type: ignore[arg-type]

    def clause(self) -> None:
        key = self.take()
        if key.kind != "name" or key.text not in CONTRACT_KEYS or key.text == "split":
            shown = repr(key.text) if key.text else "end of contract"
            allowed = ", ".join(k for k in CONTRACT_KEYS if k != "split")
            raise ContractSyntaxError(
                f"unknown clause {shown}: expected one of {allowed}", key.offset
            )
        if key.text in self.values:
            raise ContractSyntaxError(f"{key.text} is given twice", key.offset)
        if key.text == "accuracy":
            self.expect_op(">=", "≥")
            value = self.value_token()
            self.set("accuracy", parse_fraction(value.text, value.offset), value)
            if self.peek().kind == "name" and self.peek().text == "on":
                self.take()
                split = self.take()
                if split.text not in SPLITS:
                    raise ContractSyntaxError(
                        f"unknown split {split.text!r}: expected test or validation", split.offset
                    )
                self.values["split"] = split.text
            return
        self.expect_op("=")
        value = self.value_token()
        if key.text == "max_time":
            unit = self.peek()
            if unit.kind == "name" and re.fullmatch(_NUMBER, value.text):
                # "10 m": a unit written apart from its number
                self.take()
                if unit.text not in _UNITS:
                    raise ContractSyntaxError(
                        f"unknown time unit {unit.text!r} (use ms, s, m, min or h)", unit.offset
                    )
                value = _Token("quantity", value.text + unit.text, value.offset)
            self.set("max_time", parse_duration(value.text, value.offset), value)
        elif key.text == "max_trial":
            if not re.fullmatch(r"-?\d+", value.text):
                raise ContractSyntaxError(
                    f"max_trial must be a whole number of trials, got {value.text!r}", value.offset
                )
            self.set("max_trial", int(value.text), value)
        elif key.text == "delta":
            if not re.fullmatch(_NUMBER, value.text):
                raise ContractSyntaxError(
                    f"delta must be a number, got {value.text!r}", value.offset
                )
            self.set("delta", float(value.text), value)
        else:  # max_gain, confidence
            self.set(key.text, parse_fraction(value.text, value.offset), value)

    def value_token(self) -> _Token:
        token = self.take()
        if token.kind != "quantity":
            shown = repr(token.text) if token.text else "end of contract"
            raise ContractSyntaxError(f"expected a value, got {shown}", token.offset)
        return token


def parse_contract(text: str) -> Contract:
    """Parse a clause string; raises ``ContractSyntaxError`` with the 0-based offset."""
    return _Parser(text).parse()


def format_contract(contract: Contract) -> str:
    """The clause string of ``contract``; ``parse_contract`` reads it back unchanged."""
    default = Contract()
    parts: list[str] = []
    if contract.accuracy is not None:
        parts.append(f"accuracy >= {contract.accuracy!r} on {contract.split}")
    if contract.max_time is not None:
        parts.append(f"max_time = {format_duration(contract.max_time)}")
    if contract.max_trial is not None:
        parts.append(f"max_trial = {contract.max_trial}")
    if contract.max_gain is not None:
        parts.append(f"max_gain = {contract.max_gain!r}")
    if contract.delta is not None:
        parts.append(f"delta = {contract.delta!r}")
    if contract.confidence != default.confidence:
        parts.append(f"confidence = {contract.confidence!r}")
    return ", ".join(parts)


@dataclass(frozen=True)
class ContractComment:
    """A ``# adnn:`` comment. Lines and columns are 1-based; ``text_column`` is where the
    clause text starts, so a parse offset maps to ``text_column + offset``."""

    line: int
    column: int
    text_column: int
    text: str
    own_line: bool  # the comment is alone on its line


def find_contract_comments(source: str) -> list[ContractComment]:
    """Every ``# adnn:`` comment in ``source`` (tokenized, so strings that look alike are not)."""
    found: list[ContractComment] = []
    lines = source.splitlines()
    for token in _comments(source):
        match = _COMMENT.match(token.string)
        if match is None:
            continue
        line, col = token.start
        # a second comment on the same line (a noqa directive) is not part of the contract
        raw = token.string[match.end() :].split("#", 1)[0]
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip()
        own = lines[line - 1][:col].strip() == "" if line - 1 < len(lines) else True
        found.append(ContractComment(line, col + 1, col + 1 + match.end() + lead, text, own))
    return found


def _comments(source: str) -> Iterator[tokenize.TokenInfo]:
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                yield token
    except (tokenize.TokenError, SyntaxError):
        # An unterminated construct at the end of the file: the comments before it still count;
        # the syntax error itself is ADNN000's to report.
        return


#: (first line with decorators, ``def``/``class`` line, last line) of a definition.
Definition = tuple[int, int, int]


def definitions(source: str) -> list[Definition]:
    """Every function and class definition of ``source``, for contracts written above the
    function that builds a model. Uses ``ast``; only called when ``# adnn:`` comments exist."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found: list[Definition] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found.append((first, node.lineno, node.end_lineno or node.lineno))
    return found


def attached_comment(
    comments: list[ContractComment],
    source_lines: list[str],
    line: int,
    end_line: int | None = None,
    scopes: Sequence[Definition] = (),
) -> ContractComment | None:
    """The contract comment of a model defined on lines ``line``..``end_line``: one on those
    lines (the first line wins), else the nearest in the comment block just above (decorators
    and other comment lines may sit between; a blank line or code ends the block), else the
    same for the innermost enclosing function or class in ``scopes`` that has one. For many
    models of one file, build an :class:`Attachments` once instead."""
    return Attachments(comments, source_lines, scopes).of(line, end_line)


class Attachments:
    """:func:`attached_comment` for every model of a file, with the comments by line and the
    definitions' nesting indexed once (rebuilding them per model was quadratic in a file of
    many models)."""

    def __init__(
        self,
        comments: list[ContractComment],
        source_lines: list[str],
        scopes: Sequence[Definition] = (),
    ) -> None:
        self._by_line = {c.line: c for c in comments}
        self._lines = source_lines
        self._scopes = sorted(set(scopes))
        self._firsts = [first for first, _, _ in self._scopes]
        # Definitions nest or are disjoint: each one's innermost enclosing definition.
        self._parent: list[int] = []
        open_scopes: list[int] = []
        for index, (first, _, _) in enumerate(self._scopes):
            while open_scopes and self._scopes[open_scopes[-1]][2] < first:
                open_scopes.pop()
            self._parent.append(open_scopes[-1] if open_scopes else -1)
            open_scopes.append(index)

    def of(self, line: int, end_line: int | None = None) -> ContractComment | None:
        by_line = self._by_line
        for current in range(line, (end_line or line) + 1):
            if current in by_line:
                return by_line[current]
        found = _above(by_line, self._lines, line)
        if found is not None:
            return found
        for first, header, _ in self._enclosing(line):
            if header in by_line:
                return by_line[header]
            found = _above(by_line, self._lines, first)
            if found is not None:
                return found
        return None

    def of_model(self, model: ModelRecord) -> ContractComment | None:
        """The contract comment of ``model``: at its definition, else at an instantiation of
        its class (``model = Net()`` for ``class Net(keras.Model)``)."""
        for span in (model.span, *model.instances):
            found = self.of(span.line, span.end_line)
            if found is not None:
                return found
        return None

    def _enclosing(self, line: int) -> Iterator[Definition]:
        """The definitions with ``first < line <= last``, innermost first: the last one to
        start before ``line`` and its ancestors (one that holds ``line`` holds that one)."""
        index = bisect.bisect_left(self._firsts, line) - 1
        while index >= 0:
            scope = self._scopes[index]
            if scope[2] >= line:
                yield scope
            index = self._parent[index]


def _above(
    by_line: dict[int, ContractComment], source_lines: list[str], line: int
) -> ContractComment | None:
    current = line - 1
    while current >= 1:
        if current in by_line and by_line[current].own_line:
            return by_line[current]
        stripped = source_lines[current - 1].strip() if current - 1 < len(source_lines) else ""
        if not (stripped.startswith("#") or stripped.startswith("@")):
            return None
        current -= 1
    return None
