"""ADNN108: an initializer name Keras cannot interpret."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import libcst as cst

from adnn_lint.rules._support import catalog, layer_label, replacement_for, unknown_name
from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Edit, Finding, Fix, InitializerRef, Origin

#: Names that make a string legitimate even when the catalog does not know it: the file registers
#: its own initializers with Keras, so an unknown name may be one of them.
_CUSTOM_REGISTRATION = ("custom_objects", "register_keras_serializable", "CustomObjectScope")


def closest(spelling: str, *, identifier: bool = False) -> str | None:
    """The accepted spelling nearest to ``spelling`` (case-insensitive), or None.

    ``identifier``: only spellings usable as an attribute of ``keras.initializers``.
    """
    spellings = [s for s in catalog().initializer_spellings() if s.isidentifier() or not identifier]
    by_lower = {s.lower(): s for s in spellings}
    found = difflib.get_close_matches(spelling.lower(), list(by_lower), n=1, cutoff=0.75)
    return by_lower[found[0]] if found else None


#: At most this many characters inserted, deleted or replaced (a swap counts 2) for a spelling
#: to count as a typo of an accepted name.
TYPO_EDITS = 2


def _edits(a: str, b: str) -> int:
    """Characters changed between ``a`` and ``b``, ignoring case (difflib's matching blocks)."""
    matcher = difflib.SequenceMatcher(None, a.lower(), b.lower(), autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )


def typo_of(spelling: str, suggestion: str) -> bool:
    """``spelling`` is a slip of the keyboard for ``suggestion`` and for no other initializer.

    Only then may the fix be safe: a farther name (``'orthogonal_init'``) may be the user's own
    object registered with Keras in another module, and two near names leave the intent open.
    """
    cat = catalog()
    meant = cat.resolve_initializer(suggestion)
    if meant is None or _edits(spelling, suggestion) > TYPO_EDITS:
        return False
    return all(
        cat.resolve_initializer(other) == meant
        for other in cat.initializer_spellings()
        if _edits(spelling, other) <= TYPO_EDITS
    )


def _string_value(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class UnknownInitializer(Rule):
    """An initializer name that Keras cannot interpret, with a did-you-mean.

    Why: ``keras.initializers.get`` raises ``ValueError: Could not interpret initializer
    identifier`` for a name it does not register, so the model fails when the layer is built,
    often minutes into a notebook. A few registered classes (``Constant``) also cannot be built
    from a bare string because they need an argument.

    What to do: use one of the names Keras registers (``glorot_uniform``, ``he_normal``,
    ``GlorotUniform``...). The message proposes the closest accepted spelling from the catalog's
    aliases. The autofix rewrites the name to it when the spelling is a slip of the keyboard (at
    most 2 characters off) for that initializer and no other: safe, since the code could not run
    before. A farther spelling gets the did-you-mean without a fix, since it may name the user's
    own initializer, registered with Keras in another module. When the file registers custom
    objects with Keras (``custom_objects``, ``register_keras_serializable``), an unknown name may
    be one of them, so the finding is a warning instead of an error and no fix is offered.
    """

    code = "ADNN108"
    name = "unknown-initializer"
    severity = "error"
    summary = (
        "An initializer name Keras cannot interpret (`'glorot_unifrom'`), with a did-you-mean."
    )
    fixable = "safe"
    fix_does = (
        "rewrites a misspelt initializer name to the accepted one, when the spelling is at most"
        " 2 characters away from exactly one initializer and the file registers no custom "
        "objects."
    )
    fix_why = (
        "the misspelt name makes Keras raise before any weight exists, so nothing that ran can "
        "change. A farther or ambiguous spelling (`'orthogonal_init'`) gets a did-you-mean but "
        "no fix: it may be the user's own object, registered with Keras in another module."
    )
    VALID = (
        example(
            """
            import keras
            layer = keras.layers.Dense(8, kernel_initializer='glorot_uniform')
            """
        ),
        example(
            """
            from keras import layers, initializers
            layer = layers.Dense(8, kernel_initializer=initializers.HeNormal(seed=1))
            """
        ),
        example(
            """
            from keras.layers import Dense
            layer = Dense(8, init='uniform')
            """
        ),
    )
    INVALID = (
        (
            example(
                """
                import keras

                d = keras.layers.Dense(8, kernel_initializer=keras.initializers.HeNromal(seed=7))
                """
            ),
            Invalid(
                "ADNN108",
                line=3,
                fixed=example(
                    """
                    import keras

                    d = keras.layers.Dense(8, kernel_initializer=keras.initializers.HeNormal(seed=7))
                    """
                ),
            ),
        ),
        (
            example(
                """
                import keras
                layer = keras.layers.Dense(8, kernel_initializer='glorot_unifrom')
                """
            ),
            Invalid(
                "ADNN108",
                line=2,
                fixed=example(
                    """
                    import keras
                    layer = keras.layers.Dense(8, kernel_initializer='glorot_uniform')
                    """
                ),
            ),
        ),
        (
            example(
                """
                from tensorflow.keras.layers import Conv2D
                conv = Conv2D(16, 3, kernel_initializer="he_normall", activation="relu")
                """
            ),
            Invalid(
                "ADNN108",
                line=2,
                fixed=example(
                    """
                    from tensorflow.keras.layers import Conv2D
                    conv = Conv2D(16, 3, kernel_initializer="he_normal", activation="relu")
                    """
                ),
            ),
        ),
        (
            example(
                """
                import keras
                layer = keras.layers.Dense(8, bias_initializer='gaussian_noise')
                """
            ),
            Invalid("ADNN108", line=2),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        custom = any(marker in ctx.source for marker in _CUSTOM_REGISTRATION)
        for layer in ctx.scan.layers:
            for ref in layer.initializers:
                finding = self._check_ref(ctx, layer_label(layer), ref, custom)
                if finding is not None:
                    yield finding

    def _check_ref(
        self, ctx: FileContext, label: str, ref: InitializerRef, custom: bool
    ) -> Finding | None:
        if ref.span is None:
            return None
        literal = _string_value(ref.node)
        cat = catalog()
        if literal is not None and cat.resolve_initializer(literal) is not None:
            info = cat.initializers.get(cat.resolve_initializer(literal) or "")
            if info is None or literal not in info.string_rejected:
                return None
            return ctx.finding(
                self,
                ref.span,
                f"{label} {ref.argument}={literal!r}: Keras registers {info.class_name} but "
                "cannot build it from a bare string (it needs arguments), so building the layer "
                f"fails; write keras.initializers.{info.class_name}(...) instead",
            )
        spelled = literal if literal is not None else unknown_name(ref)
        if spelled is None:
            return None
        attribute = _attribute_node(ref.node, spelled)
        suggestion = closest(spelled, identifier=attribute is not None)
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        if literal is not None or ref.origin is Origin.EXPLICIT:
            # A string name, written here or bound to a name earlier (a missing attribute of
            # keras.initializers is UNRESOLVED: that line fails before any weight exists).
            why = (
                f"{label} {ref.argument}={spelled!r}: Keras cannot interpret this initializer "
                f"name, so building the layer raises ValueError{hint}"
            )
        else:
            why = (
                f"{label} {ref.argument}: keras.initializers has no {spelled!r}, so this line "
                f"raises AttributeError (or ImportError){hint}"
            )
        if custom:
            why += " (the file registers custom objects; ignore this if it is one of them)"
            return ctx.finding(self, ref.span, why, severity="warning")
        fix = None
        if suggestion is None or not typo_of(spelled, suggestion):
            pass  # a guess, or maybe a name of the user's own: said, not rewritten
        elif literal is not None and ref.node is not None:
            # Wherever the literal is written (here, or bound to a name earlier), every use of
            # it fails today, so rewriting it in place changes nothing that ran.
            fix = Fix(
                description=f"Replace {spelled!r} with {suggestion!r}",
                edits=(Edit(ref.node, replacement_for(ref.node, suggestion)),),
                safe=True,
            )
        elif attribute is not None:
            fix = Fix(
                description=f"Replace {spelled} with {suggestion}",
                edits=(Edit(attribute, attribute.with_changes(value=suggestion)),),
                safe=True,
            )
        return ctx.finding(self, ref.span, why, fix=fix)


def _attribute_node(node: cst.BaseExpression | None, name: str) -> cst.Name | None:
    """The ``Name`` of ``<module>.initializers.<name>`` (called or not) in ``node``, if any."""
    if isinstance(node, cst.Call):
        node = node.func
    if (
        isinstance(node, cst.Attribute)
        and node.attr.value == name
        and isinstance(node.value, cst.Attribute | cst.Name)
    ):
        parent = node.value
        owner = parent.attr.value if isinstance(parent, cst.Attribute) else parent.value
        if owner == "initializers":
            return node.attr
    return None
