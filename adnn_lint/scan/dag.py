"""A small directed graph for the lint path: order, ancestors and descendants of model layers.

Why not networkx here: importing networkx costs ~0.3 s, more than linting a file, and every
Keras file with a model needs its layer order (fans, depth). The few queries the scanner and
rules ask are a topological order (stdlib ``graphlib``, which also detects cycles) and
reachability (a breadth-first walk). ``adnn_lint.scan.graph.build_graph`` still returns a networkx
DiGraph for callers that want the full library; it imports networkx only when called.
"""

from __future__ import annotations

import graphlib
from collections import deque
from collections.abc import Iterable, Iterator


class Dag:
    """Nodes in insertion order; edges in insertion order per node (as networkx keeps them)."""

    def __init__(self, nodes: Iterable[str] = (), edges: Iterable[tuple[str, str]] = ()) -> None:
        self._succ: dict[str, list[str]] = {}
        self._pred: dict[str, list[str]] = {}
        for node in nodes:
            self.add_node(node)
        for src, dst in edges:
            self.add_edge(src, dst)

    def add_node(self, node: str) -> None:
        if node not in self._succ:
            self._succ[node] = []
            self._pred[node] = []

    def add_edge(self, src: str, dst: str) -> None:
        self.add_node(src)
        self.add_node(dst)
        if dst not in self._succ[src]:  # a simple graph, like nx.DiGraph
            self._succ[src].append(dst)
            self._pred[dst].append(src)

    def __contains__(self, node: object) -> bool:
        return node in self._succ

    def __iter__(self) -> Iterator[str]:
        return iter(self._succ)

    def __len__(self) -> int:
        return len(self._succ)

    def successors(self, node: str) -> list[str]:
        return list(self._succ[node])

    def predecessors(self, node: str) -> list[str]:
        return list(self._pred[node])

    def in_degree(self, node: str) -> int:
        return len(self._pred[node])

    def out_degree(self, node: str) -> int:
        return len(self._succ[node])

    def topological_order(self) -> list[str] | None:
        """Every node after its predecessors, or None when the graph has a cycle."""
        sorter = graphlib.TopologicalSorter({node: self._pred[node] for node in self._succ})
        try:
            return list(sorter.static_order())
        except graphlib.CycleError:
            return None

    def descendants(self, node: str) -> set[str]:
        return _reach(self._succ, node)

    def ancestors(self, node: str) -> set[str]:
        return _reach(self._pred, node)


def _reach(adjacency: dict[str, list[str]], start: str) -> set[str]:
    seen: set[str] = set()
    queue = deque(adjacency[start])
    while queue:
        node = queue.popleft()
        if node not in seen:
            seen.add(node)
            queue.extend(adjacency[node])
    return seen
