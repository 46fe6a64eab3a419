"""Scopes, bindings and qualified names for the scanner.

The scanner resolves a called name to its qualified name from the imports and assignments it has
walked so far, following Python's lookup rules (local, enclosing functions, module; class bodies
are skipped from nested functions). LibCST's ``QualifiedNameProvider``/``ScopeProvider`` answer
the same question for every name of the file, but cost 6-12x the parse (measured on the Keras
application sources: parse 0.64 s, ScopeProvider 3.8 s, QualifiedNameProvider 7.9 s); the
scanner needs only the names of called functions and a few arguments, so it tracks bindings in
its single walk instead.

A name bound to anything the scanner does not understand (a function parameter, a local class, a
loop variable) is *opaque*: it shadows an import of the same name, so a local ``Dense`` is never
taken for Keras.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import libcst as cst

if TYPE_CHECKING:
    from adnn_lint.scan.pending import WalkValue

BindingKind = Literal["import", "value", "opaque"]

#: Import prefixes that all mean "Keras", normalized to ``keras``.
_KERAS_PREFIXES = (
    ("tensorflow.compat.v1.keras", "keras"),
    ("tensorflow.compat.v2.keras", "keras"),
    ("tensorflow.python.keras", "keras"),
    ("tensorflow.keras", "keras"),
    ("tf_keras", "keras"),
)


@dataclass
class Binding:
    kind: BindingKind
    qualname: str | None = None  # for imports: the imported module/object
    node: cst.BaseExpression | None = None  # for values: the assigned expression
    value: WalkValue | None = None  # the walk's evaluation of ``node`` (layer, tensor, model, ...)
    key: str = ""  # unique identity of this binding (shared-object detection)
    parameter: bool = False  # a function parameter bound to its default value


@dataclass
class Scope:
    kind: Literal["module", "class", "function", "lambda", "comprehension"]
    name: str
    parent: Scope | None = None
    names: dict[str, Binding] = field(default_factory=dict)
    stars: list[str] = field(default_factory=list)  # modules imported with `from m import *`

    def lookup(self, name: str) -> Binding | None:
        scope: Scope | None = self
        first = True
        while scope is not None:
            if first or scope.kind != "class":
                found = scope.names.get(name)
                if found is not None:
                    return found
            first = False
            scope = scope.parent
        return None

    def star_modules(self) -> list[str]:
        scope: Scope | None = self
        found: list[str] = []
        while scope is not None:
            found.extend(scope.stars)
            scope = scope.parent
        return found


def normalize(qualname: str) -> str:
    """``tensorflow.keras.layers.Dense`` -> ``keras.layers.Dense`` (and tf_keras, ...)."""
    for prefix, replacement in _KERAS_PREFIXES:
        if qualname == prefix or qualname.startswith(prefix + "."):
            return replacement + qualname[len(prefix) :]
    return qualname


def dotted_parts(node: cst.BaseExpression) -> list[str] | None:
    """``a.b.c`` -> ["a", "b", "c"]; None for anything but a Name/Attribute chain."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    parts.reverse()
    return parts


def module_name(node: cst.BaseExpression | None) -> str | None:
    if node is None:
        return None
    parts = dotted_parts(node)
    return ".".join(parts) if parts else None


def bind_import(scope: Scope, node: cst.Import) -> None:
    if isinstance(node.names, cst.ImportStar):
        return
    for alias in node.names:
        full = module_name(alias.name)
        if full is None:
            continue
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            scope.names[alias.asname.name.value] = Binding("import", qualname=full)
        else:
            top = full.split(".")[0]
            scope.names[top] = Binding("import", qualname=top)


def bind_import_from(scope: Scope, node: cst.ImportFrom) -> None:
    base = module_name(node.module)
    if node.relative or base is None:
        # A relative import is the project's own code: its names shadow, never resolve.
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                bound = _bound_name(alias)
                if bound:
                    scope.names[bound] = Binding("opaque")
        return
    if isinstance(node.names, cst.ImportStar):
        scope.stars.append(base)
        return
    for alias in node.names:
        bound = _bound_name(alias)
        imported = module_name(alias.name)
        if bound and imported:
            scope.names[bound] = Binding("import", qualname=f"{base}.{imported}")


def _bound_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    name = module_name(alias.name)
    return name.split(".")[0] if name else None
