"""The walker's statement section: walks a module in source order, scope by scope."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from adnn_lint.scan.names import (
    Scope,
    bind_import,
    bind_import_from,
)
from adnn_lint.scan.pending import (
    ClassContext,
    HelperValue,
    LayersValue,
    ModelClassValue,
    ModelValue,
    TensorValue,
    WalkValue,
)
from adnn_lint.scan.syntax import (
    child_nodes,
    comp_ifs,
    is_keras_model_base,
    is_main_guard,
    trip_count,
)
from adnn_lint.scan.walker.calls import CallWalker


class Walker(CallWalker):
    """The whole walk: statements and expressions on top of the other sections."""

    # --- statements --------------------------------------------------------------------------

    def walk_body(
        self, body: Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement]
    ) -> None:
        for statement in body:
            self.statement(statement)

    def block(self, node: cst.BaseSuite) -> None:
        if isinstance(node, cst.IndentedBlock | cst.SimpleStatementSuite):
            self.walk_body(node.body)

    def statement(self, node: cst.CSTNode) -> None:
        if not isinstance(node, cst.BaseStatement):
            self.small_or_compound(node)
            return
        # Remember which statement holds each call: positions are computed per statement.
        outer = self.current
        self.current = node
        self.small_or_compound(node)
        self.current = outer

    def small_or_compound(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            self.walk_body(node.body)
        elif isinstance(node, cst.Assign):
            self.expr(node.value)
            value = self.value_of(node.value)
            for target in node.targets:
                self.assign(target.target, node.value, value)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.expr(node.value)
                self.assign(node.target, node.value, self.value_of(node.value))
        elif isinstance(node, cst.AugAssign):
            self.expr(node.value)
            self.expr(node.target)
        elif isinstance(node, cst.Expr):
            self.expr(node.value)
        elif isinstance(node, cst.Return):
            if node.value is not None:
                self.expr(node.value)
            if self.returns:
                self.returns[-1].append(
                    self.value_of(node.value) if node.value is not None else None
                )
        elif isinstance(node, cst.Import):
            bind_import(self.scope, node)
        elif isinstance(node, cst.ImportFrom):
            bind_import_from(self.scope, node)
        elif isinstance(node, cst.FunctionDef):
            self.function(node)
        elif isinstance(node, cst.ClassDef):
            self.class_def(node)
        elif isinstance(node, cst.If):
            self.if_statement(node)
        elif isinstance(node, cst.For):
            self.expr(node.iter)
            self.bind_targets(node.target)
            iterated = self.value_of(node.iter)
            if isinstance(iterated, LayersValue) and isinstance(node.target, cst.Name):
                # `for block in self.blocks: x = block(x)`: the loop variable is each layer.
                self.bind(node.target.value, node.iter, iterated)
            self.loops.append(trip_count(node.iter, self.lookup))
            self.block(node.body)
            self.loops.pop()
            if node.orelse is not None:
                self.block(node.orelse.body)
        elif isinstance(node, cst.While):
            self.expr(node.test)
            self.loops.append(None)
            self.block(node.body)
            self.loops.pop()
            if node.orelse is not None:
                self.block(node.orelse.body)
        elif isinstance(node, cst.With):
            for item in node.items:
                self.expr(item.item)
                if item.asname is not None:
                    self.bind_targets(item.asname.name)
            self.block(node.body)
        elif isinstance(node, cst.Try | cst.TryStar):
            self.block(node.body)
            for handler in node.handlers:
                if handler.name is not None:
                    self.bind_targets(handler.name.name)
                self.block(handler.body)
            if node.orelse is not None:
                self.block(node.orelse.body)
            if node.finalbody is not None:
                self.block(node.finalbody.body)
        elif isinstance(node, cst.Global | cst.Nonlocal | cst.Pass | cst.Break | cst.Continue):
            return
        else:
            self.generic(node)

    def if_statement(self, node: cst.If) -> None:
        self.expr(node.test)
        guard = not self.function_names and not self.class_stack and is_main_guard(node.test)
        self.main_guard += guard
        self.block(node.body)
        self.main_guard -= guard
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            self.if_statement(orelse)
        elif isinstance(orelse, cst.Else):
            self.block(orelse.body)

    def function(self, node: cst.FunctionDef) -> None:
        self.bind(node.name.value, None, None)
        binding = self.scope.names[node.name.value]
        first_layer, first_model = len(self.layers), self.model_counter
        outer = self.scope
        self.scope = Scope("function", node.name.value, parent=outer)
        self.function_names.append(node.name.value)
        params = node.params
        inputs: list[str] = []
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None and not (self.class_stack and node.name.value == "call"):
                # `def block(x, init="he_normal")`: the default is what the body sees unless a
                # caller passes another value; resolutions through it say so.
                self.bind(param.name.value, param.default, None)
                self.scope.names[param.name.value].parameter = True
            else:
                self.bind(param.name.value, None, None)
            inputs.append(param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.bind(star.name.value, None, None)
        if self.class_stack and node.name.value == "call":
            # call(self, inputs, ...): the inputs are model inputs.
            for name in inputs[1:]:
                self.scope.names[name].value = TensorValue(())
        self.returns.append([])
        self.block(node.body)
        returned = self.returns.pop()
        self.function_names.pop()
        self.scope = outer
        made = self.layers_since(first_layer)
        if (
            not self.class_stack
            and self.model_counter == first_model  # a model builder keeps its one model
            and len(returned) == 1
            and isinstance(returned[0], LayersValue | TensorValue)
        ):
            binding.value = HelperValue(node, outer)
            self.helper_layers[id(node)] = made

    def class_def(self, node: cst.ClassDef) -> None:
        bases = [self.qualify(arg.value) for arg in node.bases]
        self.bind(node.name.value, None, None)
        keras_base = any(is_keras_model_base(base) for base in bases)
        context = ClassContext(node.name.value, keras_base)
        if keras_base:
            context.model = self.new_model(node.name.value, "subclassed", node)
            self.statement_of[id(node)] = node
        outer = self.scope
        self.scope = Scope("class", node.name.value, parent=outer)
        self.class_stack.append(context)
        self.block(node.body)
        self.class_stack.pop()
        self.scope = outer
        if context.model is not None:
            self.finish_subclassed(context)
            self.scope.names[node.name.value].value = ModelClassValue(context.model)

    def generic(self, node: cst.CSTNode) -> None:
        for child in child_nodes(node):
            if isinstance(child, cst.BaseExpression):
                self.expr(child)
            elif isinstance(child, cst.BaseSuite):
                self.block(child)
            else:
                self.statement(child)

    def bind_targets(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, None, None)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self.bind_targets(element.value)
        elif isinstance(target, cst.StarredElement):
            self.bind_targets(target.value)

    def assign(
        self, target: cst.BaseExpression, node: cst.BaseExpression, value: WalkValue | None
    ) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, node, value)
            if isinstance(value, ModelValue):
                self.model_names.setdefault(value.key, target.value)
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
            and self.class_stack
        ):
            self.class_stack[-1].attrs[target.attr.value] = value
        elif isinstance(target, cst.Tuple | cst.List):
            if isinstance(value, TensorValue):  # outputs, state_h, state_c = LSTM(...)(x)
                for element in target.elements:
                    if isinstance(element.value, cst.Name):
                        self.bind(element.value.value, element.value, value)
            else:
                self.bind_targets(target)
        elif isinstance(target, cst.Subscript | cst.Attribute):
            self.expr(target)

    # --- expressions -------------------------------------------------------------------------

    def expr(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.Call):
            self.expr(node.func)
            for arg in node.args:
                self.expr(arg.value)
            self.call(node)
        elif isinstance(node, cst.Name | cst.Integer | cst.Float | cst.SimpleString):
            return
        elif isinstance(node, cst.Attribute):
            self.expr(node.value)
        elif isinstance(node, cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp):
            self.comprehension(node)
        elif isinstance(node, cst.Lambda):
            outer = self.scope
            self.scope = Scope("lambda", "<lambda>", parent=outer)
            for param in node.params.params:
                self.bind(param.name.value, None, None)
            self.expr(node.body)
            self.scope = outer
        else:
            for child in child_nodes(node):
                if isinstance(child, cst.BaseExpression):
                    self.expr(child)

    def comprehension(
        self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp
    ) -> None:
        outer = self.scope
        self.scope = Scope("comprehension", "<comprehension>", parent=outer)
        trips: list[int | None] = []
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            self.expr(comp.iter)
            self.bind_targets(comp.target)
            trips.append(trip_count(comp.iter, self.lookup))
            for condition in comp.ifs:
                self.expr(condition.test)
            comp = comp.inner_for_in
        if any(comp_if for comp_if in comp_ifs(node.for_in)):
            trips = [None]  # filtered: the count is not the range length
        self.loops.extend(trips)
        if isinstance(node, cst.DictComp):
            self.expr(node.key)
            self.expr(node.value)
        else:
            self.expr(node.elt)
        del self.loops[len(self.loops) - len(trips) :]
        self.scope = outer
        if not isinstance(node, cst.DictComp):
            element = self.value_of(node.elt)
            if isinstance(element, LayersValue):
                self.values[id(node)] = element
