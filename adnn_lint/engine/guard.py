"""What a source file must pass before LibCST reads it, and the stack deep code needs.

Every command (``check``, ``layers``, ``spec``, ``report``) reads files through these checks, so
they agree on what is too big, what is a syntax error and what is too deep:

- ``size_notice``: files over ``MAX_FILE_BYTES`` are skipped with a notice;
- ``python_verdict``: CPython's own parser decides what is a syntax error (LibCST accepts code
  CPython rejects, such as 500 nested parentheses, and rejects some code CPython accepts); and
  code CPython accepts but nested deeper than ``MAX_NESTING`` is skipped with a notice, because
  LibCST's native parser then overflows its stack and kills the process;
- ``deep_call``: runs one file's work in a thread with a large stack and a raised recursion
  limit, so the recursive LibCST visitors and our walks handle what CPython accepts (1,000
  ``and`` operands, 1,000 implicitly concatenated strings) instead of a RecursionError. The
  cyclic garbage collector is paused meanwhile: the file's LibCST tree holds millions of objects
  that every full collection would traverse again (time grew faster than the file), and it
  holds no cycles to collect (refcounting frees it).
"""

from __future__ import annotations

import ast
import gc
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: Files above this size are skipped with a notice (generated code, data dumped into .py files).
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Deepest expression nesting read (LibCST nests ``a and b and ...`` one level per operand).
#: Measured: 30,000 levels parse and lint in a 512 MiB stack; LibCST's parser crashes the
#: process at 10,000 levels on the default 8 MiB main-thread stack.
MAX_NESTING = 20_000
#: Stack of the thread that reads one file; pages are only committed as the recursion uses them.
STACK_BYTES = 512 * 1024 * 1024
_RECURSION_LIMIT = 1_000_000

_local = threading.local()


def size_notice(size: int) -> str | None:
    """The notice for a file of ``size`` bytes that is skipped, or None when it is read."""
    if size <= MAX_FILE_BYTES:
        return None
    mib = MAX_FILE_BYTES / 1024 / 1024
    return f"skipped: {size / 1024 / 1024:.1f} MiB is over the {mib:g} MiB limit"


@dataclass(frozen=True)
class Verdict:
    """Why a source is not handed to LibCST: a syntax error (ADNN000) or valid code nested too
    deep to read (a notice). Line and column are 1-based."""

    line: int
    column: int
    message: str
    syntax_error: bool


class Unreadable(ValueError):
    """Valid Python that adnn-lint cannot read; the message names the place."""


def python_verdict(source: str, path: str) -> Verdict | None:
    """None when CPython parses ``source`` and its nesting is readable, else why not."""
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences and the like are the linted code's business, not ours.
            warnings.simplefilter("ignore")
            tree = ast.parse(source, filename=path)
    except SyntaxError as err:
        return Verdict(err.lineno or 1, err.offset or 1, f"syntax error: {err.msg}", True)
    except ValueError as err:  # source code string cannot contain null bytes (Python < 3.12)
        return Verdict(1, 1, f"syntax error: {err}", True)
    except (RecursionError, MemoryError):
        # CPython itself gives up ("too complex", "maximum recursion depth exceeded during
        # ast construction"): the file cannot run either.
        return Verdict(1, 1, "syntax error: too deeply nested for Python's parser", True)
    deepest, where = _nesting(tree)
    if deepest > MAX_NESTING:
        line, column = (where.lineno, where.col_offset + 1) if where is not None else (1, 1)
        message = (
            f"skipped: {line}:{column}: an expression nested {deepest} levels deep; "
            f"adnn-lint reads up to {MAX_NESTING}"
        )
        return Verdict(line, column, message, False)
    return None


def _nesting(tree: ast.AST) -> tuple[int, ast.expr | None]:
    """The deepest nesting of ``tree`` as LibCST builds it, and the expression that reaches it.

    CPython keeps ``a and b and c`` as one node with three operands; LibCST nests one level per
    operator, so a boolean operation counts its operands. Iterative: the tree may be deep."""
    deepest, where = 0, None
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.BoolOp):
            depth += len(node.values) - 1
        if depth > deepest and isinstance(node, ast.expr):
            deepest, where = depth, node
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest, where


def deep_call(work: Callable[[], T]) -> T:
    """``work()`` on a thread with a large stack, a raised recursion limit and the cyclic GC
    paused; inline when already on such a thread. Exceptions propagate to the caller."""
    if getattr(_local, "deep", False):
        return work()
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        _local.deep = True
        try:
            result.append(work())
        except BaseException as err:  # handed to the calling thread, which re-raises it
            error.append(err)

    limit = sys.getrecursionlimit()
    collecting = gc.isenabled()
    # A daemon, so that Ctrl-C in the waiting caller ends the process without waiting for it.
    thread = threading.Thread(target=run, name="adnn-lint-file", daemon=True)
    sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))
    gc.disable()
    try:
        previous_stack = threading.stack_size(STACK_BYTES)  # read when the thread starts
        try:
            thread.start()
        finally:
            threading.stack_size(previous_stack)
        thread.join()
    finally:
        sys.setrecursionlimit(limit)
        if collecting:
            gc.enable()
    if error:
        raise error[0]
    return result[0]
