"""The walker's state, name resolution and the value of an expression."""

from __future__ import annotations

import abc
from collections.abc import Sequence

import libcst as cst

from adnn_lint.knowledge.catalog import Catalog
from adnn_lint.scan.names import (
    Binding,
    Scope,
    dotted_parts,
    normalize,
)
from adnn_lint.scan.pending import (
    ClassContext,
    LayersValue,
    PendingCall,
    PendingLayer,
    PendingModel,
    PendingSeed,
    PendingUnresolved,
    TensorValue,
    WalkValue,
    combine,
)


class WalkerBase(abc.ABC):
    """The walk's state and its name resolution. The walker's sections are layered on this
    class in ``scan.walker``: layers <- models <- helper functions <- calls <- statements."""

    def __init__(self, path: str, cat: Catalog) -> None:
        self.path = path
        self.cat = cat
        self.scope = Scope("module", "<module>")
        self.loops: list[int | None] = []
        self.main_guard = 0
        self.function_names: list[str] = []
        self.class_stack: list[ClassContext] = []
        self.values: dict[int, WalkValue] = {}  # id(call node) -> what the call made
        self.layers: dict[str, PendingLayer] = {}
        self.layer_nodes: dict[str, cst.Call] = {}
        self.models: dict[int, PendingModel] = {}
        self.applied: dict[str, str] = {}  # layer id -> scope label where it was applied
        self.edges: list[tuple[str, str]] = []
        # dst -> srcs over self.edges[:_indexed]; extended on demand (see predecessors()).
        self._predecessors: dict[str, list[str]] = {}
        self._indexed = 0
        self.applied_input_shape: dict[str, tuple[int | None, ...]] = {}
        self.compiles: list[PendingCall] = []
        self.fits: list[PendingCall] = []
        self.weight_loads: list[PendingCall] = []  # model.load_weights(...), set_weights(...)
        self.seeds: list[PendingSeed] = []
        self.unresolved: list[PendingUnresolved] = []
        self.binding_counter = 0
        self.model_counter = 0
        self.model_names: dict[int, str] = {}
        self.current: cst.CSTNode | None = None  # the statement being walked
        self.statement_of: dict[int, cst.CSTNode] = {}  # id(call or class) -> its statement
        self.returns: list[list[WalkValue | None]] = []  # per function being walked: its returns
        self.inline_calls: list[cst.Call] = []  # the helper calls being followed, outermost first
        self.inlined_at: dict[str, cst.Call] = {}  # layer id -> the call site that created it
        self.helper_layers: dict[int, list[str]] = {}  # id(def) -> layers its own walk created
        self.followed: set[int] = set()  # id(def) of helpers followed at some call
        self.no_fix: set[str] = set()  # layers whose arguments take no Keras initializer names
        self.graph_mode: set[str] = set()  # TF 1 layers: see LayerFunction.graph_mode
        # layer id -> operations that are no layer between it and the layers feeding it
        self.after_ops: dict[str, dict[str, None]] = {}
        self.reshaped_input: set[str] = set()  # ... one of which may change the input's shape

    # --- names ------------------------------------------------------------------------------

    def lookup(self, name: str) -> Binding | None:
        return self.scope.lookup(name)

    def qualify(self, node: cst.BaseExpression, depth: int = 0) -> str | None:
        parts = dotted_parts(node)
        if parts is None:
            return None
        binding = self.scope.lookup(parts[0])
        if binding is None:
            for star in self.scope.star_modules():
                if self._star_provides(star, parts[0]):
                    return normalize(".".join([star, *parts]))
            return None
        if binding.kind == "value" and isinstance(binding.node, cst.Name | cst.Attribute):
            # An alias assignment: `RNN = layers.LSTM`, `KL = keras.layers`.
            if depth > 8:
                return None
            base = self.qualify(binding.node, depth + 1)
            return normalize(".".join([base, *parts[1:]])) if base else None
        if binding.kind != "import" or binding.qualname is None:
            return None
        return normalize(".".join([binding.qualname, *parts[1:]]))

    def _star_provides(self, module: str, name: str) -> bool:
        parts = normalize(module).split(".")
        if parts[0] != "keras":
            return False
        if parts[-1] == "layers" or "layers" in parts:
            return self.cat.layer(name) is not None or name in ("Input",)
        if "initializers" in parts:
            return self.cat.resolve_initializer(name) is not None
        if parts[-1] in ("models", "keras"):
            return name in ("Sequential", "Model")
        return False

    def bind(self, name: str, node: cst.BaseExpression | None, value: WalkValue | None) -> None:
        self.binding_counter += 1
        self.scope.names[name] = Binding(
            "value" if node is not None else "opaque",
            node=node,
            value=value,
            key=f"{name}#{self.binding_counter}",
        )

    def scope_label(self) -> str:
        if self.function_names:
            return f"function:{self.function_names[-1]}"
        if self.class_stack:
            return f"class:{self.class_stack[-1].name}"
        return "main" if self.main_guard else "module"

    def multiplicity(self) -> int | None:
        total = 1
        for trips in self.loops:
            if trips is None:
                return None
            total *= trips
        return total

    def model_label(self, key: int) -> str:
        """A model's class or variable name, as far as the walk knows it."""
        return self.models[key].name or self.model_names.get(key) or "a model"

    def call_arguments(self, node: cst.Call, positional: Sequence[str]) -> dict[str, object]:
        found: dict[str, object] = {}
        for index, arg in enumerate(node.args):
            if arg.star:
                continue
            if arg.keyword is not None:
                name = arg.keyword.value
            elif index < len(positional):
                name = positional[index]
            else:
                continue
            found[name] = arg.value
        return found

    def value_of(self, node: cst.BaseExpression) -> WalkValue | None:
        if isinstance(node, cst.Call | cst.ListComp | cst.GeneratorExp):
            return self.values.get(id(node))
        if isinstance(node, cst.Name):
            binding = self.lookup(node.value)
            return binding.value if binding is not None else None
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value == "self" and self.class_stack:
                return self.class_stack[-1].attrs.get(node.attr.value)
            return None
        if isinstance(node, cst.List | cst.Tuple):
            values = [self.value_of(element.value) for element in node.elements]
            return combine(values)
        if isinstance(node, cst.Subscript):
            inner = self.value_of(node.value)
            if isinstance(inner, TensorValue):
                return inner
            if isinstance(inner, LayersValue) and len(inner.ids) > 1:
                return None
            return inner if isinstance(inner, LayersValue) else None
        if isinstance(node, cst.BinaryOperation):  # residual: x + shortcut
            return combine([self.value_of(node.left), self.value_of(node.right)])
        return None

    @abc.abstractmethod
    def block(self, node: cst.BaseSuite) -> None:
        """Walk a suite (provided by ``walker.statements``; helper functions walk their body)."""
