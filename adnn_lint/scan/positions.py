"""Source positions for a chosen few CST nodes, in one code-generation pass.

LibCST's ``PositionProvider`` records a ``CodeRange`` for every node of the module; on the Keras
application sources that costs about 3.5x the parse itself (measured: parse 0.64 s, positions
2.27 s for 300 KB), while the scanner needs positions only for the handful of layer calls and
arguments it reports. This module runs the same code generation that ``PositionProvider`` runs,
with a state that keeps the line/column count but stores ranges only for the requested nodes.
It follows ``libcst.metadata.position_provider.PositionProvidingCodegenState`` (syntactic
positions: the range of the node itself, without surrounding whitespace the node owns).
``tests/scan/test_scanner_positions.py`` checks it against ``PositionProvider``.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from threading import RLock

import libcst as cst

# CodegenState is the documented hook PositionProvider itself builds on; it is not re-exported.
from libcst._nodes.internal import CodegenState

from adnn_lint.scan.records import Span

# A C-implemented re-entrant context manager: entering and leaving it costs no Python frame,
# and this runs for every expression of the file.
_NULL = RLock()


@dataclass
class _SelectiveState(CodegenState):
    """Code generation that remembers where the requested nodes start and end.

    Positions are derived lazily from the emitted tokens (only when a requested node starts or
    ends) instead of per token, and the per-node hooks are no-ops: every expression and
    statement reports its syntactic range through ``record_syntactic_position``.
    """

    target_ids: frozenset[int] = frozenset()
    found: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    _done: int = 0  # tokens already counted into line/column
    _line: int = 1
    _column: int = 0

    # C-level no-ops: id() takes the node and does nothing visible.
    before_codegen = staticmethod(id)  # type: ignore[assignment]
    after_codegen = staticmethod(id)  # type: ignore[assignment]

    def add_token(self, value: str) -> None:
        self.tokens.append(value)

    def _position(self) -> tuple[int, int]:
        if self._done < len(self.tokens):
            text = "".join(self.tokens[self._done :])
            self._done = len(self.tokens)
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            newlines = text.count("\n")
            if newlines:
                self._line += newlines
                self._column = len(text) - text.rfind("\n") - 1
            else:
                self._column += len(text)
        return self._line, self._column

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> AbstractContextManager[None]:
        if id(node) not in self.target_ids:
            return _NULL  # type: ignore[return-value]  # RLock's __enter__ returns bool
        return self._record(node, start_node, end_node)

    @contextmanager
    def _record(
        self, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None
    ) -> Iterator[None]:
        start = self._position()
        try:
            yield
        finally:
            end = self._position()
            # PositionProvider hoists these from children (decorators, the last statement of a
            # body); they are known here only when they were requested too.
            if start_node is not None and id(start_node) in self.found:
                start = self.found[id(start_node)][:2]
            if end_node is not None and id(end_node) in self.found:
                end = self.found[id(end_node)][2:]
            self.found[id(node)] = (start[0], start[1], end[0], end[1])


def spans_for(module: cst.Module, nodes: Collection[cst.CSTNode]) -> dict[cst.CSTNode, Span]:
    """1-based spans of ``nodes`` (which must belong to ``module``)."""
    if not nodes:
        return {}
    state = _SelectiveState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        target_ids=frozenset(id(node) for node in nodes),
    )
    module._codegen(state)
    spans: dict[cst.CSTNode, Span] = {}
    for node in nodes:
        found = state.found.get(id(node))
        if found is not None:
            line, column, end_line, end_column = found
            spans[node] = Span(line, column + 1, end_line, end_column + 1)
    return spans


# --- fast path: generate code only for the statements that hold requested nodes ----------------
#
# CPython's own parser (``ast``, in C, several times faster than LibCST) gives the first line of
# every statement. LibCST statements and ``ast`` statements correspond one to one in pre-order
# (a LibCST line of k small statements ``a; b`` is k ``ast`` statements), so a statement that
# holds requested nodes can be generated on its own, starting at its line with its indentation,
# and the rest of the file is never generated. Any mismatch falls back to the whole module.


class _Mismatch(Exception):
    """The LibCST and ast statement trees do not line up; use the whole-module pass."""


def _ast_statements(body: list[ast.stmt], out: list[ast.stmt]) -> None:
    for statement in body:
        out.append(statement)
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(statement, name, None)
            if isinstance(inner, list):
                _ast_statements(inner, out)
                if name == "body":
                    for handler in getattr(statement, "handlers", ()):
                        _ast_statements(handler.body, out)
                    for case in getattr(statement, "cases", ()):
                        _ast_statements(case.body, out)
        if isinstance(statement, ast.Match):
            for case in statement.cases:
                _ast_statements(case.body, out)


def _suite_statements(
    suite: cst.BaseSuite,
    indents: tuple[str, ...],
    module: cst.Module,
    out: list[tuple[cst.CSTNode, int, tuple[str, ...]]],
) -> None:
    if isinstance(suite, cst.IndentedBlock):
        indent = suite.indent if suite.indent is not None else module.default_indent
        _cst_statements(suite.body, (*indents, indent), module, out)
    elif isinstance(suite, cst.SimpleStatementSuite):
        # `if x: a; b` shares the header's line: generated with its compound statement.
        out.append((suite, len(suite.body), indents))


def _cst_statements(
    body: Sequence[cst.BaseStatement],
    indents: tuple[str, ...],
    module: cst.Module,
    out: list[tuple[cst.CSTNode, int, tuple[str, ...]]],
) -> None:
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            out.append((statement, len(statement.body), indents))
            continue
        out.append((statement, 1, indents))
        if isinstance(statement, cst.If):
            _suite_statements(statement.body, indents, module, out)
            orelse = statement.orelse
            while orelse is not None:
                if isinstance(orelse, cst.If):
                    out.append((orelse, 1, indents))
                    _suite_statements(orelse.body, indents, module, out)
                    orelse = orelse.orelse
                else:
                    _suite_statements(orelse.body, indents, module, out)
                    orelse = None
        elif isinstance(statement, cst.Try | cst.TryStar):
            _suite_statements(statement.body, indents, module, out)
            for handler in statement.handlers:
                _suite_statements(handler.body, indents, module, out)
            if statement.orelse is not None:
                _suite_statements(statement.orelse.body, indents, module, out)
            if statement.finalbody is not None:
                _suite_statements(statement.finalbody.body, indents, module, out)
        elif isinstance(statement, cst.For | cst.While):
            _suite_statements(statement.body, indents, module, out)
            if statement.orelse is not None:
                _suite_statements(statement.orelse.body, indents, module, out)
        elif isinstance(statement, cst.Match):
            # The `case` lines are indented themselves, and their bodies further.
            own = statement.indent if statement.indent is not None else module.default_indent
            for case in statement.cases:
                _suite_statements(case.body, (*indents, own), module, out)
        elif isinstance(statement, cst.FunctionDef | cst.ClassDef | cst.With):
            _suite_statements(statement.body, indents, module, out)
        else:
            raise _Mismatch(type(statement).__name__)


def _statement_starts(module: cst.Module, source: str) -> dict[int, tuple[int, tuple[str, ...]]]:
    """id(LibCST statement) -> (first line including its leading lines, indentation)."""
    with warnings.catch_warnings():
        # Invalid escape sequences and the like are the linted code's business, not ours.
        warnings.simplefilter("ignore")
        tree = ast.parse(source)
    flat: list[ast.stmt] = []
    _ast_statements(tree.body, flat)
    ours: list[tuple[cst.CSTNode, int, tuple[str, ...]]] = []
    _cst_statements(module.body, (), module, ours)
    starts: dict[int, tuple[int, tuple[str, ...]]] = {}
    index = 0
    for node, count, indents in ours:
        if index >= len(flat):
            raise _Mismatch("more LibCST statements than ast statements")
        first = flat[index]
        if isinstance(
            node,
            cst.SimpleStatementLine
            | cst.If
            | cst.For
            | cst.While
            | cst.With
            | cst.Try
            | cst.TryStar
            | cst.Match,
        ):
            leading = len(node.leading_lines)
            starts[id(node)] = (first.lineno - leading, indents)
        elif isinstance(node, cst.FunctionDef | cst.ClassDef) and not node.decorators:
            starts[id(node)] = (first.lineno - len(node.leading_lines), indents)
        index += count
    if index != len(flat):
        raise _Mismatch("statement counts differ")
    return starts


def spans_in_statements(
    module: cst.Module,
    source: str,
    targets: Mapping[cst.CSTNode, cst.CSTNode],
) -> dict[cst.CSTNode, Span]:
    """Spans of ``targets`` (node -> the statement that holds it), generating only those
    statements. Falls back to :func:`spans_for` over the module when the trees do not line up.
    """
    if not targets:
        return {}
    try:
        starts = _statement_starts(module, source)
    except (_Mismatch, SyntaxError, ValueError, RecursionError):
        return spans_for(module, list(targets))
    by_statement: dict[int, list[cst.CSTNode]] = {}
    statements: dict[int, cst.CSTNode] = {}
    for node, statement in targets.items():
        if id(statement) not in starts:
            return spans_for(module, list(targets))
        by_statement.setdefault(id(statement), []).append(node)
        statements[id(statement)] = statement
    spans: dict[cst.CSTNode, Span] = {}
    for key, nodes in by_statement.items():
        line, indents = starts[key]
        state = _SelectiveState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            target_ids=frozenset(id(node) for node in nodes),
        )
        state.indent_tokens = list(indents)
        state._line = line
        statements[key]._codegen(state)
        for node in nodes:
            found = state.found.get(id(node))
            if found is not None:
                start_line, column, end_line, end_column = found
                spans[node] = Span(start_line, column + 1, end_line, end_column + 1)
    return spans
