"""ADNN301: an initializer or layer argument that cannot be resolved statically."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from adnn_lint.rules._support import unknown_name
from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Finding, LayerRecord, Origin, Span

#: Unresolved things that are ordinary in good code and do not hide an initializer.
_NOT_REPORTED = frozenset({"width", "activation"})


class Unresolved(Rule):
    """An initializer (or a layer argument the checks need) that is not known statically.

    Why: adnn-lint never runs the code it reads. When an initializer comes from a function
    call, a config file or a variable assigned in another module, the rules cannot check it and
    the extracted ADNN spec marks that role *unresolved*: the verifier then searches and reports
    it as unknown instead of silently assuming the Keras default. This note says where the
    static picture has a hole, so that an accuracy claim about the model is read with it in mind.

    Misspelt names are ADNN108's business and are not repeated here. A width or an activation
    that is not a literal (``Dense(num_classes, activation=head_activation)`` inside a builder
    function) is not reported either: that is everywhere in well-written code, the spec still
    marks it, and the variance rules simply say nothing about a layer they cannot see.

    Layers without weights (augmentation, pooling) are never reported, and a layer gets one note
    at most.

    What to do: nothing, if the indirection is deliberate. Otherwise write the initializer where
    the layer is built (a string name or a ``keras.initializers`` class with literal arguments),
    or bind it to a name in the same module.
    """

    code = "ADNN301"
    name = "unresolved"
    severity = "info"
    summary = (
        "An initializer or layer argument that cannot be resolved statically; the spec marks it."
    )
    fixable = None
    fix_why = "the value is unknown statically; there is nothing to rewrite it to."
    VALID = (
        example(
            """
            import keras
            init = 'he_normal'
            layer = keras.layers.Dense(8, kernel_initializer=init)
            """
        ),
    )
    INVALID = (
        (
            example(
                """
                import keras
                from myproject.config import pick_initializer

                layer = keras.layers.Dense(8, kernel_initializer=pick_initializer())
                """
            ),
            Invalid("ADNN301", line=4),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        seen: set[tuple[int, int]] = set()
        noted: set[str] = set()  # layers already given a note: one is enough
        for layer in ctx.scan.layers:
            refs = []
            for ref in layer.initializers:
                if ref.span is None or ref.origin is not Origin.UNRESOLVED:
                    continue
                key = (ref.span.line, ref.span.column)
                seen.add(key)
                if unknown_name(ref) is None:  # a misspelt name is ADNN108's
                    refs.append(ref)
            if refs and refs[0].span is not None:
                noted.add(layer.id)
                where = f"{layer.class_name} " + ", ".join(r.argument for r in refs)
                reasons = "; ".join(dict.fromkeys(r.reason or "not a literal" for r in refs))
                yield self._finding(ctx, refs[0].span, where, reasons)
        for item in ctx.scan.unresolved:
            key = (item.span.line, item.span.column)
            if key in seen or item.what in _NOT_REPORTED:
                continue
            where = item.what
            if item.layer_id is not None:
                owner: LayerRecord | None = None
                with contextlib.suppress(KeyError):
                    owner = ctx.scan.layer(item.layer_id)
                if owner is not None:
                    if not owner.trainable or owner.id in noted:
                        continue  # no initializer at stake, or already noted
                    noted.add(owner.id)
                    where = f"{owner.class_name} {item.what}"
            seen.add(key)
            yield self._finding(ctx, item.span, where, item.reason)

    def _finding(self, ctx: FileContext, span: Span, where: str, reason: str) -> Finding:
        return ctx.finding(
            self,
            span,
            f"{where} cannot be resolved statically ({reason}): the rules cannot check it and "
            "the ADNN spec marks it unresolved; write it as a literal where the layer is built "
            "if it should be checked",
        )
