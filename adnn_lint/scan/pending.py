"""Values the walk attaches to expressions and the records it keeps until a file is walked.

A layer call's value says which layers it made (``LayersValue``), a tensor's which layers
produced it (``TensorValue``); models, model classes, helper functions and ``functools.partial``
objects have theirs. ``PendingLayer`` and ``PendingModel`` are the mutable drafts that
``scan.build`` freezes into the records of ``scan.records``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from adnn_lint.scan.names import (
    Scope,
)
from adnn_lint.scan.records import (
    LayerRecord,
    ModelKind,
)


@dataclass(frozen=True)
class LayersValue:
    ids: tuple[str, ...]  # one layer object, or a list of them in order


@dataclass(frozen=True)
class TensorValue:
    producers: tuple[str, ...]  # layers whose output this is ((): a model input)
    # known for Input(shape=...), and after tf.reshape(t, literal) (then ``reshaped``)
    shape: tuple[int | None, ...] | None = None
    # operations between the producers and here that are no layer (tf.nn.max_pool, a custom
    # layer): the data still flows, but a spec of the layers cannot rebuild them
    ops: tuple[str, ...] = ()
    reshaped: bool = False  # one of ``ops`` may change the shape: ``shape`` is all we know


@dataclass(frozen=True)
class ModelValue:
    key: int


@dataclass(frozen=True)
class ModelClassValue:
    """A class that subclasses ``keras.Model`` (or ``keras.layers.Layer``): calling it makes
    that model (or custom layer)."""

    key: int


@dataclass(frozen=True)
class HelperValue:
    """A local function that builds and returns layers (or applies them to its input): each
    call is walked again with the caller's arguments, so its layers join the caller's model."""

    node: cst.FunctionDef
    scope: Scope  # where it was defined: its body's names resolve from there


#: Nested helper calls followed at most this deep (a recursive helper stops here).
INLINE_DEPTH = 4


@dataclass(frozen=True)
class PartialValue:
    class_name: str
    qualname: str
    call: cst.Call


#: Seeding functions (normalized qualified name) -> what they seed.
SEEDS: dict[str, frozenset[str]] = {
    "keras.utils.set_random_seed": frozenset({"python", "numpy", "tensorflow"}),
    "keras.src.utils.rng_utils.set_random_seed": frozenset({"python", "numpy", "tensorflow"}),
    "tensorflow.random.set_seed": frozenset({"tensorflow"}),
    "tensorflow.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.compat.v1.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.compat.v1.random.set_random_seed": frozenset({"tensorflow"}),
    "numpy.random.seed": frozenset({"numpy"}),
    "numpy.random.default_rng": frozenset(),
    "random.seed": frozenset({"python"}),
    "tensorflow.config.experimental.enable_op_determinism": frozenset({"ops"}),
}


@dataclass
class PendingLayer:
    record: LayerRecord
    model: int | None = None


@dataclass
class PendingModel:
    key: int
    name: str
    kind: ModelKind
    node: cst.CSTNode
    layer_ids: list[str] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)
    input_shape: tuple[int | None, ...] | None = None
    edges_known: bool = True
    instances: list[cst.Call] = field(default_factory=list)  # Net() of a subclassed model
    ops: tuple[str, ...] = ()  # operations that are no layer on the way to its outputs
    hint: str = ""  # the enclosing function: names a model that is returned, not assigned


@dataclass
class ClassContext:
    name: str
    keras_model: bool
    model: int | None = None
    attrs: dict[str, WalkValue | None] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CombinedValue:
    items: tuple[WalkValue | None, ...]


NO_NODE = cst.Name("_")

#: What the walk knows an expression evaluates to (None: nothing it tracks).
WalkValue = (
    LayersValue
    | TensorValue
    | ModelValue
    | ModelClassValue
    | HelperValue
    | PartialValue
    | CombinedValue
)


def combine(values: Sequence[WalkValue | None]) -> WalkValue | None:
    layer_values = [v for v in values if isinstance(v, LayersValue)]
    if values and len(layer_values) == len(values):
        return LayersValue(tuple(i for v in layer_values for i in v.ids))
    tensors = [v for v in values if isinstance(v, TensorValue)]
    if tensors and len(tensors) == len(values):
        producers = tuple(dict.fromkeys(p for t in tensors for p in t.producers))
        ops = tuple(dict.fromkeys(op for t in tensors for op in t.ops))
        return TensorValue(producers, tensors[0].shape if not producers else None, ops)
    if any(isinstance(v, LayersValue | TensorValue) for v in values):
        return CombinedValue(tuple(values))
    return None


@dataclass(frozen=True)
class PendingSeed:
    """A seeding call (``keras.utils.set_random_seed(0)``) as the walk met it."""

    node: cst.Call
    qualname: str
    covers: frozenset[str]  # what it seeds: python, numpy, tensorflow
    value: int | None
    scope: str


@dataclass(frozen=True)
class PendingUnresolved:
    """Something the walk could not read statically, at ``node`` (``NO_NODE``: nowhere)."""

    what: str  # layer, width, activation, initializer
    reason: str
    node: cst.CSTNode
    layer_id: str | None


@dataclass(frozen=True)
class PendingCall:
    """A ``compile()`` or ``fit()`` call: its argument expressions by name, and on what."""

    node: cst.Call
    arguments: dict[str, object]
    receiver: str | None  # the receiver's name, if it is one
    scope: str
    model: int | None  # the receiver's model key, when it resolved to a model
    built_by: str | None = None  # fit(): the imported callable that built the receiver
