"""The walker's helper-function section: a project's own ``build_block(x)`` is followed."""

from __future__ import annotations

import libcst as cst

from adnn_lint.scan.names import (
    Scope,
)
from adnn_lint.scan.pending import (
    INLINE_DEPTH,
    HelperValue,
)
from adnn_lint.scan.syntax import (
    literal_node,
    no_names,
    same_names,
)
from adnn_lint.scan.values import (
    is_known,
    literal_or,
)
from adnn_lint.scan.walker.models import ModelWalker


class HelperWalker(ModelWalker):
    """Follows calls of a file's own functions so the layers they make join the caller's model."""

    # --- helper functions --------------------------------------------------------------------

    def follow(self, node: cst.Call, helper: HelperValue) -> None:
        """``block(64, "he_normal")``: walk the helper's body again with these arguments.

        The layers it makes are new layers at this call (their findings point here, and carry
        no autofix: an edit inside the helper would change every caller).
        """
        if len(self.inline_calls) >= INLINE_DEPTH or any(
            call is node for call in self.inline_calls
        ):
            return
        scope = self.call_scope(node, helper)
        if scope is None:
            return
        outer, first_layer = self.scope, len(self.layers)
        self.scope = scope
        self.function_names.append(helper.node.name.value)
        self.inline_calls.append(node)
        self.returns.append([])
        self.block(helper.node.body)
        returned = self.returns.pop()
        self.inline_calls.pop()
        self.function_names.pop()
        self.scope = outer
        self.followed.add(id(helper.node))
        site = self.inline_calls[0] if self.inline_calls else node
        for layer_id in self.layers_since(first_layer):
            self.inlined_at.setdefault(layer_id, site)
        if len(returned) == 1 and returned[0] is not None:
            self.values[id(node)] = returned[0]

    def call_scope(self, node: cst.Call, helper: HelperValue) -> Scope | None:
        """The helper's scope with its parameters bound as this call passes them; None when the
        call cannot be matched (``*args``/``**kwargs``, an unknown keyword)."""
        params = helper.node.params
        positional = [*params.posonly_params, *params.params]
        by_name = {p.name.value: p for p in (*positional, *params.kwonly_params)}
        stars = [
            s.name.value for s in (params.star_arg, params.star_kwarg) if isinstance(s, cst.Param)
        ]
        given: dict[str, cst.BaseExpression] = {}
        for index, arg in enumerate(node.args):
            if arg.star:
                return None
            if arg.keyword is None:
                if index >= len(positional):
                    return None
                given[positional[index].name.value] = arg.value
            elif arg.keyword.value in by_name:
                given[arg.keyword.value] = arg.value
            else:
                return None
        # Read every argument where it is written, before the helper's names exist.
        caller = self.scope
        shadowed = {*by_name, *stars}
        read = {
            name: (
                written,
                self.value_of(written),
                literal_or(written, self.lookup),
                # a bare name is bound to the caller's binding, so a parameter cannot hide it
                same_names(
                    written, caller, helper.scope, () if isinstance(written, cst.Name) else shadowed
                ),
            )
            for name, written in given.items()
        }
        scope = Scope("function", helper.node.name.value, parent=helper.scope)
        self.scope = scope
        for name, param in by_name.items():
            if name in read:
                written, value, literal, same = read[name]
                if is_known(literal) and not is_known(literal_or(written, no_names)):
                    # `block(units)` with `units = 64` in the caller: the value, as a node of
                    # its own (the caller's names mean nothing inside the helper).
                    self.bind(name, literal_node(literal), value)
                elif same and isinstance(written, cst.Name):
                    # `block(8, init)`: the caller's binding itself (re-reading the name inside
                    # the helper would find the parameter, when they share the name).
                    found = caller.lookup(written.value)
                    assert found is not None
                    scope.names[name] = found
                elif is_known(literal) or same:
                    self.bind(name, written, value)
                else:
                    self.bind(name, None, value)
            elif param.default is not None:
                self.bind(name, param.default, None)
                scope.names[name].parameter = True
            else:
                self.bind(name, None, None)
        for star in stars:
            self.bind(star, None, None)
        self.scope = caller
        return scope

    def layers_since(self, count: int) -> list[str]:
        """Ids of the layers made after the first ``count`` (ids count up from ``L1``)."""
        return [f"L{i}" for i in range(count + 1, len(self.layers) + 1)]

    def drop_followed_definitions(self) -> None:
        """A followed helper's own walk (its parameters at their defaults) made layers that no
        caller builds: drop those that joined no model, the followed calls stand for them."""
        dropped = {
            layer_id
            for helper in self.followed
            for layer_id in self.helper_layers.get(helper, ())
            if self.layers[layer_id].model is None
        }
        if not dropped:
            return
        for layer_id in dropped:
            del self.layers[layer_id]
            del self.layer_nodes[layer_id]
            self.applied.pop(layer_id, None)
            self.applied_input_shape.pop(layer_id, None)
        self.edges = [(s, d) for s, d in self.edges if s not in dropped and d not in dropped]
        self._predecessors, self._indexed = {}, 0
        self.unresolved = [u for u in self.unresolved if u.layer_id not in dropped]
