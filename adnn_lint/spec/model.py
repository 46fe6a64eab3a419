"""The ADNN spec as typed values: the hand-off between the static side and the runtime.

A spec says what a model is (layers in graph order, every initializer role), how it is trained,
how its initial values may be searched, and the accuracy contract it must meet under the user's
intents ``max_time``, ``max_trial`` and ``max_gain``. The concrete syntax (TOML plus a small
contract grammar) lives in ``adnn_lint.spec.syntax``; these classes are what both sides share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from adnn_lint.knowledge.params import ParamValue

SPEC_VERSION = 1

InitOrigin = Literal["explicit", "implicit", "unresolved"]
SearchMethod = Literal["asa", "paper", "random"]
SearchSpace = Literal["relative", "absolute"]
Fidelity = Literal["full", "halving"]
#: The values each of these may take, for checks and command-line choices.
SEARCH_METHODS: tuple[SearchMethod, ...] = get_args(SearchMethod)
SEARCH_SPACES: tuple[SearchSpace, ...] = get_args(SearchSpace)
FIDELITIES: tuple[Fidelity, ...] = get_args(Fidelity)
Split = Literal["test", "validation"]


@dataclass(frozen=True)
class InitSpec:
    """One initializer role of a layer."""

    role: str  # "kernel", "bias", ...
    family: str  # catalog canonical name, e.g. "glorot_uniform"; "unresolved" when unknown
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    origin: InitOrigin = "implicit"
    seed: int | None = None


@dataclass(frozen=True)
class LayerSpec:
    """One layer, in graph order."""

    name: str  # unique within the model
    class_name: str  # Keras class, e.g. "Dense"
    units: int | None = None  # units / filters
    activation: str | None = None
    inputs: tuple[str, ...] = ()  # names of the layers feeding it; () for the model input
    initializers: tuple[InitSpec, ...] = ()
    fan_in: int | None = None
    fan_out: int | None = None
    options: Mapping[str, ParamValue] = field(default_factory=dict)  # rate, kernel_size, ...
    unresolved: tuple[str, ...] = ()  # names of the arguments that could not be resolved


@dataclass(frozen=True)
class ModelSpec:
    name: str
    input_shape: tuple[int, ...] | None = None
    layers: tuple[LayerSpec, ...] = ()
    # what extraction could not resolve ("input_shape", "layers" when some were not found);
    # the runtime refuses to guess them
    unresolved: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceRef:
    file: str
    model: str
    line: int
    column: int


@dataclass(frozen=True)
class DataSpec:
    """Where the data comes from: "embedded", "mnist", "fashion_mnist", "npz:PATH", "module:fn"."""

    source: str = "embedded"
    validation_split: float = 0.1
    limit: int | None = None  # use only the first N training examples
    # ("source",) when the source file loads no dataset the runtime knows: the default stands in
    unresolved: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainSpec:
    optimizer: str = "sgd"
    learning_rate: float = 0.01
    loss: str = "sparse_categorical_crossentropy"
    epochs: int = 1
    batch_size: int = 100
    metrics: tuple[str, ...] = ("accuracy",)
    # fields whose value is this class's default because the source did not say (no literal
    # compile()/fit() argument and no Keras default that applies); the runtime may use them
    unresolved: tuple[str, ...] = ()
    # the optimizer's other literal arguments, as written (``momentum``, ``nesterov``, ...)
    optimizer_options: Mapping[str, ParamValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Domain:
    """A closed interval [low, high] that a search parameter must stay inside."""

    low: float
    high: float


def family_index(value: float, families: Sequence[str]) -> int:
    """The index into ``search.families`` that a search point's ``F{i}`` value stands for."""
    return min(max(round(value), 0), len(families) - 1)


def space_kind(space: SearchSpace | None, method: str) -> SearchSpace:
    """The search space a method uses: the spec's choice, else relative for asa and random and
    the paper's absolute box for paper mode (which reproduces Algorithm 1)."""
    if space is not None:
        return space
    return "absolute" if method == "paper" else "relative"


@dataclass(frozen=True)
class SearchSpec:
    method: SearchMethod = "random"
    delta: float = 0.0025  # the paper's step size
    kernel_scale: Domain = Domain(0.0, 0.1)  # W_i: scale of each layer's kernel initializer
    bias_value: Domain = Domain(0.0, 0.1)  # B_i: each layer's constant bias
    families: tuple[str, ...] = ()  # kernel families the search may switch between; () = keep
    seeds: int = 5  # baseline seeds
    # None: relative for asa/random, absolute for paper (``space_kind``)
    space: SearchSpace | None = None
    # relative space: each layer's kernel std as a multiple of its activation-matched std
    # (x16 at the top: measured, docs/search.md)
    kernel_multiplier: Domain = Domain(0.125, 16.0)
    # "halving": successive halving screens candidates on part of the training budget
    fidelity: Fidelity = "full"


@dataclass(frozen=True)
class Contract:
    """The accuracy claim and the user's intents (budgets)."""

    accuracy: float | None = None  # required accuracy, in [0, 1]
    split: Split = "test"
    max_time: float | None = None  # seconds
    max_trial: int | None = None
    max_gain: float | None = None  # stop once the gain over the baseline mean reaches this
    delta: float | None = None  # overrides search.delta when set
    confidence: float = 0.95


@dataclass(frozen=True)
class Spec:
    model: ModelSpec
    version: int = SPEC_VERSION
    source: SourceRef | None = None
    data: DataSpec = DataSpec()
    train: TrainSpec = TrainSpec()
    search: SearchSpec = SearchSpec()
    contract: Contract = Contract()
