"""One walk that collects what ADNN201 needs to know about a file's control flow.

Imports (name -> root package), what each assigned name was built by, which names each function
calls, and which calls run at module level (including ``if __name__ == "__main__":``). It reads
the standard library's ``ast`` of the source: these facts need no formatting detail, and an
``ast`` walk costs a fraction of a LibCST visit (measured on Keras' own layer sources: about a
tenth), which matters because this runs on every file that calls ``fit()``.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field

import libcst as cst

from adnn_lint.rules.base import Analysis


def dotted(node: cst.BaseExpression) -> str:
    """``a.b.c`` for a LibCST Name/Attribute chain, "" for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""


@dataclass
class FileFacts:
    origin: dict[str, str] = field(default_factory=dict)  # imported name -> root package
    calls_in: dict[str, set[str]] = field(default_factory=dict)  # function -> names it calls
    top_bare: set[str] = field(default_factory=set)  # f(...) at module level
    top_all: set[str] = field(default_factory=set)  # f(...) and obj.f(...) at module level
    # Every call as (called name, root name of the callee expression, at module level?).
    calls: list[tuple[str, str | None, bool]] = field(default_factory=list)
    local: set[str] = field(default_factory=set)  # functions and classes defined in the file


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _Walk(ast.NodeVisitor):
    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.functions: list[str] = []
        self.classes = 0

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            root = alias.name.split(".")[0]
            self.facts.origin[alias.asname or root] = root

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        root = "." if node.level else (node.module or "").split(".")[0]
        for alias in node.names:
            if alias.name != "*":
                self.facts.origin[alias.asname or alias.name] = root

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.facts.local.add(node.name)
        self.facts.calls_in.setdefault(node.name, set())
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.facts.local.add(node.name)
        # Instantiating a class runs __init__; Keras runs build/call when it trains the model.
        self.facts.calls_in.setdefault(node.name, set()).update({"__init__", "build", "call"})
        self.classes += 1
        self.generic_visit(node)
        self.classes -= 1

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name | ast.Attribute):
            name = func.id if isinstance(func, ast.Name) else func.attr
            top = not self.functions and not self.classes
            self.facts.calls.append((name, _root(func), top))
            if self.functions:
                self.facts.calls_in[self.functions[-1]].add(name)
            elif top:
                self.facts.top_all.add(name)
                if isinstance(func, ast.Name):
                    self.facts.top_bare.add(name)
        self.generic_visit(node)


def python_tree(source: str) -> ast.Module | None:
    """``source`` parsed by ``ast``; None when ``ast`` rejects what LibCST parsed (newer syntax:
    such a file just says less)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the linted code's invalid escapes are not ours
        try:
            return ast.parse(source)
        except (SyntaxError, ValueError):
            return None


def facts_of(tree: ast.Module | None) -> FileFacts:
    facts = FileFacts()
    if tree is not None:
        _Walk(facts).visit(tree)
    return facts


#: The file parsed by ``ast`` (ADNN201's facts and the Keras-version reading share it).
PYTHON_TREE = Analysis("python tree", lambda ctx: python_tree(ctx.source))
#: The file's :class:`FileFacts`.
FACTS = Analysis("file facts", lambda ctx: facts_of(ctx.analysis(PYTHON_TREE)))
