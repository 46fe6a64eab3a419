"""Typed values that cross module boundaries on the static side.

The scanner produces these records from one parsed file; rules, the model graph, the spec
extractor and the output formats consume them. They are frozen so a stage cannot change what an
earlier stage saw. CST nodes ride along (``compare=False``) only so rules can build autofixes in
the same process; they are never serialized or cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Literal

# Span, Finding, Fix and Edit live in the light ``adnn_lint.findings`` (a run over files that
# never mention Keras needs only those); they are re-exported here, as before.
from adnn_lint.findings import Edit as Edit
from adnn_lint.findings import Finding as Finding
from adnn_lint.findings import Fix as Fix
from adnn_lint.findings import Severity as Severity
from adnn_lint.findings import Span as Span

if TYPE_CHECKING:
    import libcst as cst

from adnn_lint.knowledge.params import ParamValue as ParamValue


class Origin(str, Enum):
    """Where an initializer (or activation) of a layer comes from."""

    EXPLICIT = "explicit"  # written at the call site
    IMPLICIT = "implicit"  # not written: the catalog default applies
    UNRESOLVED = "unresolved"  # written, but not statically resolvable


@dataclass(frozen=True)
class InitializerRef:
    """One initializer role of one layer, resolved against the catalog where possible."""

    role: str  # kernel, bias, recurrent, depthwise, pointwise, embeddings, gamma, beta, ...
    argument: str  # the keyword that sets it: "kernel_initializer", or legacy "init"
    origin: Origin
    canonical: str | None  # catalog canonical name ("glorot_uniform"); None when unknown
    params: Mapping[str, ParamValue] = field(default_factory=dict)  # defaults filled in
    seed: int | None = None
    spelled: str | None = None  # the name as written, e.g. "glorot_unifrom"
    reason: str | None = None  # why it is unresolved
    span: Span | None = None  # the argument's value; None for implicit initializers
    instance: str | None = None  # identity of a shared object bound to a name (ADNN107)
    node: cst.BaseExpression | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class LayerRecord:
    """One Keras layer construction found in source."""

    id: str  # unique within the file: "L1", "L2", ...
    qualname: str  # canonical qualified class, e.g. "keras.layers.Dense"
    class_name: str  # "Dense"
    span: Span
    width: int | None = None  # units / filters / output_dim when literal
    width_arg: str | None = None
    activation: str | None = None  # canonical activation name; "linear" for the default None
    activation_origin: Origin = Origin.IMPLICIT
    initializers: tuple[InitializerRef, ...] = ()
    input_shape: tuple[int | None, ...] | None = None  # from input_shape= / input_dim=
    multiplicity: int | None = 1  # built in a loop: the trip count when literal, else None
    model: str | None = None  # id of the ModelRecord it belongs to
    trainable: bool = True  # False for layers without weights (Dropout, Flatten, ...)
    fan_in: int | None = None  # filled from the model graph where shapes are known
    fan_out: int | None = None
    depth: int | None = None  # index along the longest path from the model's input
    feeds_trainable: bool | None = None  # output reaches another trainable layer; None: unknown
    arguments: Mapping[str, ParamValue] = field(default_factory=dict)  # other literal kwargs
    node: cst.Call | None = field(default=None, compare=False, repr=False)
    # Literal tuple/int arguments that shape the output: kernel_size, strides, pool_size, ...
    shape_arguments: Mapping[str, tuple[int | None, ...]] = field(default_factory=dict)
    wraps: str | None = None  # Bidirectional/TimeDistributed: id of the wrapped layer
    wrapped_by: str | None = None  # the wrapper's id, for the wrapped layer
    scope: str = "module"  # "module", "main", "function:<name>", "class:<name>"
    # The Activation/ReLU/... layer that applies this layer's effective activation when the
    # layer itself is linear by default: Dense(64) followed by Activation("relu").
    activation_from: str | None = None
    # Operations that are no layer between this layer and the layers feeding it
    # (``tensorflow.reshape``, a custom layer's class): the spec's ``inputs`` cannot say them.
    input_ops: tuple[str, ...] = ()
    # ... one of which may change the shape (tf.reshape, tf.nn.max_pool): ``input_shape``
    # (tf.reshape's literal) is all that is known of its input.
    input_after_op: bool = False
    # Arguments written at the call whose value is not a literal (a regularizer or constraint
    # object, a custom object): ``arguments`` lacks them, so a rebuilt layer would too.
    dropped: tuple[str, ...] = ()


ModelKind = Literal["sequential", "functional", "subclassed"]


@dataclass(frozen=True)
class CompileCall:
    """A ``model.compile(...)`` call with its literal arguments."""

    span: Span
    receiver: str | None
    optimizer: str | None = None
    learning_rate: float | None = None
    loss: str | None = None
    metrics: tuple[str, ...] = ()
    scope: str = "module"
    # the optimizer's other arguments (``momentum``, ``nesterov``, ``beta_1``, ...); a value the
    # scanner could not read statically is None
    optimizer_options: Mapping[str, ParamValue] = field(default_factory=dict)


@dataclass(frozen=True)
class FitCall:
    """A ``model.fit(...)`` call with its literal arguments."""

    span: Span
    receiver: str | None
    epochs: int | None = None
    batch_size: int | None = None
    validation_split: float | None = None
    scope: str = "module"  # "module", "main" (if __name__ == "__main__"), "function:<name>"
    # The qualified callable that built the receiver (``keras.models.load_model``,
    # ``sklearn.preprocessing.StandardScaler``) when the receiver is a name bound to its call.
    built_by: str | None = None
    keywords: tuple[str, ...] = ()  # the names of the arguments passed by keyword
    node: cst.Call | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SeedCall:
    """A call that seeds a random number generator."""

    kind: str  # qualified function, e.g. "keras.utils.set_random_seed", "numpy.random.seed"
    span: Span
    value: int | None = None
    scope: str = "module"
    covers: frozenset[str] = frozenset()  # subset of {"python", "numpy", "tensorflow", "ops"}


@dataclass(frozen=True)
class ModelRecord:
    """One model: its layers in graph order and the edges between them."""

    id: str  # "M1", ...
    name: str  # variable or class name
    kind: ModelKind
    span: Span
    layer_ids: tuple[str, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()
    input_shape: tuple[int | None, ...] | None = None
    compile: CompileCall | None = None
    fits: tuple[FitCall, ...] = ()
    # False when the layer order is known but not the data flow (a subclassed model whose
    # call() could not be followed): edges then chain the layers in construction order.
    edges_known: bool = True
    # where a subclassed model's class is instantiated (``model = Net()``): a contract
    # written there is the model's too
    instances: tuple[Span, ...] = ()
    # operations between its layers that are no layer (``tensorflow.nn.max_pool``, a custom
    # layer's class): the data flows through them, but the layers alone are another model
    ops: tuple[str, ...] = ()
    # the file overwrites its weights (``model.load_weights(...)``, ``model.set_weights(...)``)
    weights_loaded: bool = False


@dataclass(frozen=True)
class Unresolved:
    """Something the scanner saw but could not resolve statically (ADNN301)."""

    what: str  # "initializer", "activation", "width", "layer"
    reason: str
    span: Span
    layer_id: str | None = None


@dataclass(frozen=True)
class ScanResult:
    """Everything the scanner found in one file."""

    path: str
    layers: tuple[LayerRecord, ...] = ()
    models: tuple[ModelRecord, ...] = ()
    compiles: tuple[CompileCall, ...] = ()
    fits: tuple[FitCall, ...] = ()
    seeds: tuple[SeedCall, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    mentions_keras: bool = True

    def layer(self, layer_id: str) -> LayerRecord:
        return self._layers_by_id[layer_id]

    def model(self, model_id: str) -> ModelRecord:
        return self._models_by_id[model_id]

    # Built once per (immutable) result: the graph, the rules and the commands look layers up
    # for every layer of every model, and a scan of the tuple made that quadratic in file size.
    @cached_property
    def _layers_by_id(self) -> dict[str, LayerRecord]:
        return {layer.id: layer for layer in reversed(self.layers)}  # the first wins

    @cached_property
    def _models_by_id(self) -> dict[str, ModelRecord]:
        return {model.id: model for model in reversed(self.models)}
