"""ADNN107: one initializer object passed to several layers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from adnn_lint.rules._support import catalog, initialized, layer_label, layers_of, written
from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Finding, InitializerRef, LayerRecord


class SharedInitializer(Rule):
    """One random initializer *instance* passed to several layers (or to a layer built in a loop).

    Why: a Keras initializer instance fixes its seed when it is created (an unseeded one draws
    that seed once, at construction), and every call of the instance returns the same values:
    Keras 3 documents that an initializer "seeded with an integer or None (unseeded) will produce
    the same random values across multiple calls", and tf.keras 2.x warns about it. Layers that
    share one instance therefore start from the same random stream: layers of the same shape are
    exact copies of one another, which is rarely what the author meant.

    The same goes for separate instances created with one literal seed for layers of one
    class in one model (``HeNormal(seed=42)`` on every Dense, or inside a loop): Keras draws
    the same values for the same seed, so these layers start as copies too.

    Constant initializers (zeros, ones) are not reported (sharing them is harmless), nor is an
    instance seeded with a ``keras.random.SeedGenerator``, which does advance between calls.

    What to do: pass a string name (``'he_normal'``), or create one instance per layer, with a
    different seed per layer when you want reproducibility (``HeNormal(seed=base + i)``).
    """

    code = "ADNN107"
    name = "shared-initializer"
    severity = "warning"
    summary = (
        "One random initializer instance passed to several layers (identical or warned weights)."
    )
    fixable = None
    fix_why = (
        "whether the layers should share identical weights or get fresh ones is the author's "
        "intent; splitting the object needs a new one per layer, with seeds the author chooses."
    )
    VALID = (
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, kernel_initializer=keras.initializers.HeNormal(seed=1)),
                keras.layers.Dense(16, kernel_initializer=keras.initializers.HeNormal(seed=2)),
                keras.layers.Dense(1),
            ])
            """
        ),
        example(
            """
            import keras
            zero = keras.initializers.Zeros()
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, bias_initializer=zero),
                keras.layers.Dense(1, bias_initializer=zero),
            ])
            """
        ),
    )
    INVALID = (
        (
            example(
                """
                import keras

                model = keras.Sequential(
                    [
                        keras.Input(shape=(8,)),
                        keras.layers.Dense(16, kernel_initializer=keras.initializers.HeNormal(seed=42)),
                        keras.layers.Dense(16, kernel_initializer=keras.initializers.HeNormal(seed=42)),
                        keras.layers.Dense(1),
                    ]
                )
                """
            ),
            Invalid("ADNN107", line=7),
        ),
        (
            example(
                """
                import keras
                init = keras.initializers.HeNormal(seed=42)
                model = keras.Sequential([
                    keras.Input(shape=(8,)),
                    keras.layers.Dense(16, activation='relu', kernel_initializer=init),
                    keras.layers.Dense(16, activation='relu', kernel_initializer=init),
                    keras.layers.Dense(1),
                ])
                """
            ),
            Invalid("ADNN107", line=6),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        if "SeedGenerator" in ctx.source:
            return  # a SeedGenerator-seeded instance advances per call; cannot tell which is which
        uses: dict[str, list[tuple[LayerRecord, InitializerRef]]] = defaultdict(list)
        same_seed: dict[tuple[str, str, str, int], list[tuple[LayerRecord, InitializerRef]]]
        same_seed = defaultdict(list)
        for layer in layers_of(ctx):
            if not initialized(layer):
                continue
            for ref in layer.initializers:
                if ref.canonical is None or ref.span is None:
                    continue
                info = catalog().initializers.get(ref.canonical)
                if info is None or not info.random:
                    continue
                if ref.instance is not None:
                    uses[ref.instance].append((layer, ref))
                elif ref.seed is not None:
                    # Only within one model (or one scope): two models built with the same
                    # seeds on purpose (a test comparing them) are not a mistake.
                    owner = layer.model or layer.scope
                    key = (owner, layer.class_name, ref.canonical, ref.seed)
                    same_seed[key].append((layer, ref))
        yield from self._shared_instances(ctx, uses)
        yield from self._repeated_seeds(ctx, same_seed)

    def _repeated_seeds(
        self,
        ctx: FileContext,
        groups: dict[tuple[str, str, str, int], list[tuple[LayerRecord, InitializerRef]]],
    ) -> Iterable[Finding]:
        """Fresh instances with one literal seed: each draws the same values as the others."""
        for (*_, seed), group in groups.items():
            in_loop = [layer for layer, _ in group if layer.multiplicity != 1]
            if len(group) < 2 and not in_loop:
                continue
            lines = ctx.cells.labels([ref.span.line for _, ref in group if ref.span])
            loop = " (inside a loop, once per iteration)" if in_loop else ""
            reported = group[1:] if len(group) > 1 else group
            for layer, ref in reported:
                assert ref.span is not None
                message = (
                    f"{layer_label(layer)} {ref.argument}={written(ref, ctx.module)} uses seed "
                    f"{seed} like the initializer at {lines}{loop}: Keras draws the same "
                    "values for the same seed, so these layers start from one random stream "
                    "(same-shape layers are copies); give each layer its own seed "
                    "(seed=base + i), or drop the seeds and call keras.utils.set_random_seed once"
                )
                yield ctx.finding(self, ref.span, message)

    def _shared_instances(
        self, ctx: FileContext, uses: dict[str, list[tuple[LayerRecord, InitializerRef]]]
    ) -> Iterable[Finding]:
        for group in uses.values():
            in_loop = [layer for layer, _ in group if layer.multiplicity != 1]
            if len(group) < 2 and not in_loop:
                continue
            lines = ctx.cells.labels([ref.span.line for _, ref in group if ref.span])
            seeded = any(ref.seed is not None for _, ref in group)
            effect = (
                "it is seeded, so every call returns the same values"
                if seeded
                else "unseeded, it fixed its seed when created, so every call returns the same "
                "values"
            )
            loop = " (inside a loop, once per iteration)" if in_loop else ""
            first = group[0][1]
            reported = group[1:] if len(group) > 1 else group
            for layer, ref in reported:
                assert ref.span is not None
                message = (
                    f"{layer_label(layer)} {ref.argument}={written(ref, ctx.module)} reuses the "
                    f"initializer instance used at {lines}{loop}; {effect}, so these "
                    f"layers start from one random stream (same-shape layers are copies); pass "
                    f"a string name ('{first.canonical}') or create one instance per layer"
                )
                yield ctx.finding(self, ref.span, message)
