"""Literal values, initializers and activations as the scanner reads them from expressions.

Everything here is pure: it gets an expression plus a way to look a name up, and returns what
the expression statically means, or why it cannot tell.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from adnn_lint.scan.names import Binding
from adnn_lint.scan.records import ParamValue

#: Looks a name up at the current point of the walk.
Lookup = Callable[[str], Binding | None]
#: Resolves a Name/Attribute chain to its normalized qualified name.
Qualify = Callable[[cst.BaseExpression], str | None]

MAX_DEPTH = 8  # name -> name -> ... chains followed before giving up
NOT_LITERAL = object()


class NotLiteral(Exception):
    """The expression has no statically known value."""


def literal(node: cst.BaseExpression | None, lookup: Lookup, depth: int = 0) -> object:
    """The Python value of a literal expression (following names bound to literals).

    Raises NotLiteral when the value is not statically known.
    """
    if node is None or depth > MAX_DEPTH:
        raise NotLiteral
    if isinstance(node, cst.Integer | cst.Float):
        return node.evaluated_value
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        if isinstance(value, str):
            return value
        raise NotLiteral
    if isinstance(node, cst.Name):
        if node.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.value]
        binding = lookup(node.value)
        if binding is None or binding.kind != "value" or binding.node is None:
            raise NotLiteral
        if binding.parameter:
            # A width or trip count from a parameter default is a guess about every caller;
            # only initializers and activations are read through defaults (and say so).
            raise NotLiteral
        return literal(binding.node, lookup, depth + 1)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus | cst.Plus):
        operand = literal(node.expression, lookup, depth + 1)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand if isinstance(node.operator, cst.Minus) else operand
        raise NotLiteral
    if isinstance(node, cst.BinaryOperation):
        left = literal(node.left, lookup, depth + 1)
        right = literal(node.right, lookup, depth + 1)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right)):
            raise NotLiteral
        return _arith(node.operator, left, right)  # type: ignore[arg-type]
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "len"
        and lookup("len") is None  # the builtin, not a local len
        and len(node.args) == 1
    ):
        sized = literal(node.args[0].value, lookup, depth + 1)
        if isinstance(sized, str | tuple):
            return len(sized)
        raise NotLiteral
    if isinstance(node, cst.Tuple | cst.List):
        values: list[object] = []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                raise NotLiteral
            values.append(literal(element.value, lookup, depth + 1))
        return tuple(values)
    raise NotLiteral


def _arith(operator: cst.BaseBinaryOp, left: float, right: float) -> float:
    try:
        if isinstance(operator, cst.Add):
            return left + right
        if isinstance(operator, cst.Subtract):
            return left - right
        if isinstance(operator, cst.Multiply):
            return left * right
        if isinstance(operator, cst.Divide):
            return left / right
        if isinstance(operator, cst.FloorDivide):
            return left // right
        if isinstance(operator, cst.Power):
            if abs(right) > 64:  # 9 ** 9 ** 9 would take minutes to compute exactly
                raise NotLiteral
            result = left**right
            return result if isinstance(result, int) else float(result)
    except (ZeroDivisionError, OverflowError) as err:
        raise NotLiteral from err
    raise NotLiteral


def literal_or(node: cst.BaseExpression | None, lookup: Lookup) -> object:
    """``literal`` that returns a sentinel instead of raising."""
    try:
        return literal(node, lookup)
    except NotLiteral:
        return NOT_LITERAL


def is_known(value: object) -> bool:
    return value is not NOT_LITERAL


def as_param(value: object) -> ParamValue | object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return NOT_LITERAL


def as_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def as_shape(value: object) -> tuple[int | None, ...] | None:
    """A literal shape: an int (one dim) or a tuple of ints/None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, tuple) and all(
        v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value
    ):
        return value
    return None
