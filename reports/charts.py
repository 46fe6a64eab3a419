"""The report's charts: accuracy over seeds, trials over time, the annealing temperature and
the model graph, each built from the primitives of ``reports.svg``."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from adnn_lint.reports.svg import (
    BOTTOM,
    LEFT,
    RIGHT,
    TOP,
    Chart,
    Circle,
    Element,
    LegendEntry,
    Line,
    Polyline,
    Rect,
    Scale,
    Text,
    nice_ticks,
    padded,
    px,
    tick_label,
    y_axis,
)


@dataclass(frozen=True)
class SeedGroup:
    """One column of the seed chart: an initialization and its accuracy per seed."""

    label: str
    values: tuple[tuple[int | None, float], ...]  # (seed, accuracy)
    cls: str  # "baseline" or "chosen": colours the column


@dataclass(frozen=True)
class BoxStats:
    low: float
    q1: float
    median: float
    q3: float
    high: float


def box_stats(values: Sequence[float]) -> BoxStats:
    """Five-number summary; quartiles by the inclusive method (defined for two points)."""
    if not values:
        raise ValueError("box_stats needs at least one value")
    ordered = sorted(values)
    if len(ordered) == 1:
        v = ordered[0]
        return BoxStats(v, v, v, v, v)
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return BoxStats(ordered[0], q1, median, q3, ordered[-1])


def _seed_column(group: SeedGroup, centre: float, y: Scale, height: float) -> list[Element]:
    """One column of the seed chart: whiskers, the quartile box, the median, a dot per seed."""
    elements: list[Element] = []
    stats = box_stats([v for _, v in group.values])
    box_half = 26.0
    elements.append(Line(px(centre), px(y(stats.low)), px(centre), px(y(stats.high)), "whisker"))
    for cap in (stats.low, stats.high):
        elements.append(Line(px(centre - 10), px(y(cap)), px(centre + 10), px(y(cap)), "whisker"))
    top = y(stats.q3)
    elements.append(
        Rect(
            px(centre - box_half),
            px(top),
            px(2 * box_half),
            px(max(y(stats.q1) - top, 1.0)),
            f"box {group.cls}",
            f"{group.label}: quartiles {stats.q1:.4f} to {stats.q3:.4f}",
        )
    )
    elements.append(
        Line(
            px(centre - box_half),
            px(y(stats.median)),
            px(centre + box_half),
            px(y(stats.median)),
            "median",
        )
    )
    # Dots sit beside the box, spread sideways in a fixed pattern so equal values stay
    # visible; the pattern is deterministic so two renders of one file are identical.
    for n, (seed, value) in enumerate(group.values):
        dx = box_half + 14 + (n % 4) * 7
        seed_text = f"seed {seed}" if seed is not None else f"run {n + 1}"
        elements.append(
            Circle(
                px(centre + dx),
                px(y(value)),
                4.0,
                f"dot {group.cls}",
                f"{group.label}, {seed_text}: {value:.4f}",
            )
        )
    elements.append(Text(px(centre), px(height - BOTTOM + 18), group.label, "middle", "axis-label"))
    elements.append(
        Text(
            px(centre),
            px(height - BOTTOM + 34),
            f"n={len(group.values)}, median {stats.median:.4f}",
            "middle",
            "tick",
        )
    )
    return elements


def seed_strip_chart(
    groups: Sequence[SeedGroup],
    *,
    required: float | None = None,
    axis_title: str = "test accuracy",
) -> Chart:
    """Box plot with every seed as a dot; columns side by side so their spreads compare."""
    groups = [g for g in groups if g.values]
    if not groups:
        raise ValueError("seed_strip_chart needs at least one group with values")
    column = 220.0
    width = LEFT + RIGHT + column * len(groups)
    height = 280.0
    all_values = [v for g in groups for _, v in g.values]
    if required is not None:
        all_values.append(required)
    lo, hi = padded(all_values)
    y = Scale(lo, hi, height - BOTTOM, TOP)
    ticks = nice_ticks(lo, hi, 5)
    elements: list[Element] = y_axis(y, ticks, LEFT, width - RIGHT, axis_title)
    for index, group in enumerate(groups):
        elements += _seed_column(group, LEFT + column * (index + 0.5), y, height)
    legend: list[LegendEntry] = [LegendEntry(g.label, f"swatch {g.cls}") for g in groups]
    if required is not None:
        ry = px(y(required))
        elements.append(Line(LEFT, ry, px(width - RIGHT), ry, "required"))
        elements.append(
            Text(px(width - RIGHT - 2), px(ry - 4), f"required {required:.4f}", "end", "ref-label")
        )
        legend.append(LegendEntry("required accuracy", "swatch required", "line"))
    description = "; ".join(
        f"{g.label}: {len(g.values)} seeds from {min(v for _, v in g.values):.4f} "
        f"to {max(v for _, v in g.values):.4f}"
        for g in groups
    )
    return Chart(
        title="Accuracy over seeds",
        description=description,
        width=px(width),
        height=height,
        elements=tuple(elements),
        legend=tuple(legend),
    )


@dataclass(frozen=True)
class TrialPoint:
    index: int  # the trial number as the results file has it
    accuracy: float  # validation accuracy
    accepted: bool | None  # None: the method has no acceptance step (random search)
    temperature: float | None = None
    counted: bool = True  # False: a speculative batch member the sequential method never ran

    @property
    def state(self) -> str:
        if not self.counted:
            return "speculative"
        return {True: "accepted", False: "rejected", None: "evaluated"}[self.accepted]


def _x_axis(
    scale: Scale, first: int, last: int, baseline_y: float, title: str, width: float
) -> list[Element]:
    ticks = [
        t
        for t in nice_ticks(first, max(last, first + 1), 8)
        if float(t).is_integer() and t >= first
    ]
    out: list[Element] = [Line(LEFT, baseline_y, px(width - RIGHT), baseline_y, "axis")]
    for tick in ticks:
        x = px(scale(tick))
        out.append(Line(x, baseline_y, x, px(baseline_y + 4), "axis"))
        out.append(Text(x, px(baseline_y + 16), str(int(tick)), "middle", "tick"))
    out.append(
        Text(px((LEFT + width - RIGHT) / 2), px(baseline_y + 34), title, "middle", "axis-title")
    )
    return out


def trial_chart(
    trials: Sequence[TrialPoint],
    *,
    baseline: float | None = None,
    axis_title: str = "validation accuracy",
) -> Chart:
    """Accuracy of every trial, accepted (filled) vs rejected (hollow), and the best so far."""
    if not trials:
        raise ValueError("trial_chart needs at least one trial")
    width, height = 640.0, 300.0
    values = [t.accuracy for t in trials]
    if baseline is not None:
        values.append(baseline)
    lo, hi = padded(values)
    y = Scale(lo, hi, height - BOTTOM, TOP)
    first, last = min(t.index for t in trials), max(t.index for t in trials)
    x = Scale(first, max(last, first + 1), LEFT + 8, width - RIGHT - 8)
    elements: list[Element] = y_axis(y, nice_ticks(lo, hi, 5), LEFT, width - RIGHT, axis_title)
    elements += _x_axis(x, first, last, px(height - BOTTOM), "trial", width)
    best: list[str] = []
    best_value = -math.inf
    for t in trials:
        if t.accuracy > best_value:
            if best:  # staircase: hold the old best until this trial, then step up
                best.append(f"{px(x(t.index))},{px(y(best_value))}")
            best_value = t.accuracy
        best.append(f"{px(x(t.index))},{px(y(best_value))}")
    elements.append(Polyline(" ".join(best), "best"))
    legend = [LegendEntry("best so far", "swatch best", "line")]
    if baseline is not None:
        by = px(y(baseline))
        elements.append(Line(LEFT, by, px(width - RIGHT), by, "baseline-line"))
        elements.append(
            Text(
                px(width - RIGHT - 2),
                px(by - 4),
                f"baseline mean {baseline:.4f}",
                "end",
                "base-label",
            )
        )
        legend.append(LegendEntry("baseline mean", "swatch baseline-line", "line"))
    for t in trials:
        state = t.state
        temp = f", T={t.temperature:.3g}" if t.temperature is not None else ""
        elements.append(
            Circle(
                px(x(t.index)),
                px(y(t.accuracy)),
                3.5,
                f"trial {state}",
                f"trial {t.index}: {t.accuracy:.4f} ({state}{temp})",
            )
        )
    states = {t.state for t in trials}
    for state in ("accepted", "rejected", "evaluated", "speculative"):
        if state in states:
            legend.append(LegendEntry(state, f"swatch trial {state}", "dot"))
    accepted = sum(1 for t in trials if t.state == "accepted")
    rejected = sum(1 for t in trials if t.state == "rejected")
    description = (
        f"{len(trials)} trials, {accepted} accepted, {rejected} rejected; "
        f"best validation accuracy {max(t.accuracy for t in trials):.4f}"
    )
    return Chart(
        title="Search: accuracy per trial",
        description=description,
        width=width,
        height=height,
        elements=tuple(elements),
        legend=tuple(legend),
    )


def temperature_chart(trials: Sequence[TrialPoint]) -> Chart | None:
    """Temperature per trial; log10 axis when the positive values span more than a decade."""
    points = [(t.index, t.temperature) for t in trials if t.temperature is not None]
    if not points:
        return None
    width, height = 640.0, 220.0
    temps = [v for _, v in points]
    use_log = min(temps) > 0 and max(temps) / min(temps) > 10
    transformed = [math.log10(v) for v in temps] if use_log else temps
    lo, hi = padded(transformed)
    y = Scale(lo, hi, height - BOTTOM, TOP)
    # Same x range as the accuracy chart above it, so trial k sits at the same place in both.
    first, last = min(t.index for t in trials), max(t.index for t in trials)
    x = Scale(first, max(last, first + 1), LEFT + 8, width - RIGHT - 8)
    ticks = nice_ticks(lo, hi, 4)
    if use_log:  # whole decades read best: 1, 0.1, 0.01
        decades = tuple(float(e) for e in range(math.ceil(lo), math.floor(hi) + 1))
        ticks = decades if len(decades) >= 2 else ticks
    elements: list[Element] = []
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 0.0
    for tick in ticks:
        ty = px(y(tick))
        label = f"{10**tick:.3g}" if use_log else tick_label(tick, step)
        elements.append(Line(LEFT, ty, px(width - RIGHT), ty, "grid"))
        elements.append(Text(LEFT - 6, px(ty + 4), label, "end", "tick"))
    elements.append(
        Text(12, px((y.start + y.end) / 2), "temperature", "middle", "axis-title vertical")
    )
    elements += _x_axis(x, first, last, px(height - BOTTOM), "trial", width)
    coords = [(px(x(i)), px(y(v))) for (i, _), v in zip(points, transformed, strict=True)]
    elements.append(Polyline(" ".join(f"{cx},{cy}" for cx, cy in coords), "temperature"))
    for (i, raw), (cx, cy) in zip(points, coords, strict=True):
        elements.append(Circle(cx, cy, 2.5, "temperature-dot", f"trial {i}: T={raw:.4g}"))
    scale_word = "log scale" if use_log else "linear scale"
    return Chart(
        title="Search: temperature",
        description=(
            f"temperature recorded for {len(points)} of {len(trials)} trials ({scale_word}), "
            f"from {temps[0]:.4g} to {temps[-1]:.4g}"
        ),
        width=width,
        height=height,
        elements=tuple(elements),
        legend=(LegendEntry("temperature", "swatch temperature", "line"),),
    )


@dataclass(frozen=True)
class GraphNode:
    id: str
    label: str  # e.g. "dense_1: Dense(256, relu)"


def graph_chart(nodes: Sequence[GraphNode], edges: Sequence[tuple[str, str]]) -> Chart:
    """Top-to-bottom layered drawing: each node sits in its topological generation."""
    import networkx as nx  # core dependency; imported here to keep `adnn-lint` startup fast

    graph: nx.DiGraph = nx.DiGraph()
    for node in nodes:
        graph.add_node(node.id)
    graph.add_edges_from(edges)
    labels = {n.id: n.label for n in nodes}
    try:
        generations = [sorted(g, key=list(labels).index) for g in nx.topological_generations(graph)]
    except nx.NetworkXUnfeasible as exc:
        raise ValueError("the model graph has a cycle") from exc
    box_w, box_h, gap_x, gap_y = 190.0, 30.0, 24.0, 34.0
    widest = max(len(g) for g in generations)
    width = widest * box_w + (widest + 1) * gap_x
    height = len(generations) * box_h + (len(generations) + 1) * gap_y
    centres: dict[str, tuple[float, float]] = {}
    for row, generation in enumerate(generations):
        row_width = len(generation) * box_w + (len(generation) - 1) * gap_x
        x0 = (width - row_width) / 2
        for col, node_id in enumerate(generation):
            cx = x0 + col * (box_w + gap_x) + box_w / 2
            cy = gap_y + row * (box_h + gap_y) + box_h / 2
            centres[node_id] = (cx, cy)
    elements: list[Element] = []
    for src, dst in edges:
        (sx, sy), (dx, dy) = centres[src], centres[dst]
        elements.append(Line(px(sx), px(sy + box_h / 2), px(dx), px(dy - box_h / 2), "edge"))
        elements.append(Circle(px(dx), px(dy - box_h / 2), 3.0, "edge-end", f"{src} → {dst}"))
    for node_id, (cx, cy) in centres.items():
        label = labels.get(node_id, node_id)
        short = label if len(label) <= 28 else label[:27] + "…"
        elements.append(Rect(px(cx - box_w / 2), px(cy - box_h / 2), box_w, box_h, "node", label))
        elements.append(Text(px(cx), px(cy + 4), short, "middle", "node-label"))
    return Chart(
        title="Model graph",
        description=f"{len(nodes)} layers, {len(edges)} connections, {len(generations)} levels",
        width=px(width),
        height=px(height),
        elements=tuple(elements),
    )
