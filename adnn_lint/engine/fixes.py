"""Apply rule autofixes to a parsed module.

A :class:`~adnn_lint.scan.records.Fix` names the CST nodes it replaces by identity (the nodes of the
module the scanner returned) plus the imports it needs. Applying is one LibCST transform for all
edits, then LibCST's ``AddImportsVisitor`` for the imports, so formatting and comments outside the
replaced nodes survive untouched and an import that already exists is never added twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import libcst as cst
from libcst import CSTNodeT
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from adnn_lint.scan.records import Edit, Fix

_Replacement = cst.CSTNode | cst.FlattenSentinel[cst.BaseStatement]


class _ReplaceByIdentity(cst.CSTTransformer):
    """Swap each original node (matched by ``id``) for its replacement."""

    def __init__(self, edits: Sequence[Edit]) -> None:
        super().__init__()
        self._by_id: dict[int, _Replacement] = {}
        for edit in edits:
            # The first edit of a node wins: two fixes rewriting the same node cannot both hold,
            # and the engine re-lints after fixing, so the loser is offered again next round.
            self._by_id.setdefault(id(edit.original), edit.replacement)

    def on_leave(
        self, original_node: CSTNodeT, updated_node: CSTNodeT
    ) -> CSTNodeT | cst.RemovalSentinel | cst.FlattenSentinel[CSTNodeT]:
        replacement = self._by_id.get(id(original_node))
        if replacement is None:
            return updated_node
        # A rule may swap a node for one of another type (a Name for a string, a statement for
        # several); LibCST validates the result when it rebuilds the parent.
        return cast("CSTNodeT", replacement)


def _enclosing(targets: set[int], module: cst.Module) -> dict[int, set[int]]:
    """For each edited node, the ids of the other edited nodes that contain it."""
    enclosing: dict[int, set[int]] = {}
    stack: list[int] = []

    class _Walk(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if id(node) in targets:
                enclosing.setdefault(id(node), set()).update(stack)
                stack.append(id(node))
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            if id(original_node) in targets:
                stack.pop()

    module.visit(_Walk())
    return enclosing


def apply_fixes(module: cst.Module, fixes: Sequence[Fix]) -> cst.Module:
    """Return ``module`` with every applicable fix applied.

    A fix whose edits overlap an edit of an earlier fix (same node, or a node nested inside another
    fix's node) is skipped as a whole, so a fix is never half-applied; callers re-lint and fix
    again until nothing changes. The imports of the fixes that were applied are added last.
    """
    if not fixes:
        return module
    enclosing = _enclosing({id(e.original) for fix in fixes for e in fix.edits}, module)
    chosen: list[Fix] = []
    claimed: list[Edit] = []
    claimed_ids: set[int] = set()
    for fix in fixes:
        ids = [id(e.original) for e in fix.edits]
        if not ids or any(i not in enclosing for i in ids):
            continue  # no edits, or a node of another module: nothing safe to apply
        clash = len(set(ids)) < len(ids) or any(
            i in claimed_ids
            or enclosing.get(i, set()) & claimed_ids
            or any(i in enclosing.get(c, set()) for c in claimed_ids)
            for i in ids
        )
        if clash:
            continue
        chosen.append(fix)
        claimed.extend(fix.edits)
        claimed_ids.update(ids)
    transformer = _ReplaceByIdentity(claimed)
    fixed = module.visit(transformer)
    imports = [imp for fix in chosen for imp in fix.imports]
    if not imports:
        return fixed
    context = CodemodContext()
    for module_name, obj in imports:
        AddImportsVisitor.add_needed_import(context, module_name, obj)
    return AddImportsVisitor(context).transform_module(fixed)
