"""Chart geometry for the HTML report, computed in Python so the templates compute nothing.

Each chart is a :class:`Chart`: a size, a title and a flat tuple of primitive shapes whose
coordinates are already in SVG user units (rounded to 0.1). The template ``_chart.html.j2`` only
writes them out; colours come from CSS classes so the same chart prints in black and white.

Charts drawn here:

- :func:`seed_strip_chart`: box plot plus every seed's accuracy as a dot, one column per
  initialization (baseline vs chosen), with the contract's required accuracy as a line;
- :func:`trial_chart`: validation accuracy per search trial, accepted vs rejected, with the
  best-so-far staircase and the baseline mean;
- :func:`temperature_chart`: the annealing temperature per trial (log scale when it spans decades);
- :func:`graph_chart`: a layered drawing of a branching model graph (networkx gives the layers).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

Anchor = Literal["start", "middle", "end"]

# Plot area margins (user units): room for tick labels on the left and an axis title below.
_LEFT = 56.0
_RIGHT = 16.0
_TOP = 16.0
_BOTTOM = 44.0


def _r(value: float) -> float:
    return round(value, 1)


@dataclass(frozen=True)
class Line:
    kind: ClassVar[str] = "line"
    x1: float
    y1: float
    x2: float
    y2: float
    cls: str


@dataclass(frozen=True)
class Polyline:
    kind: ClassVar[str] = "polyline"
    points: str  # "x1,y1 x2,y2 ..."
    cls: str


@dataclass(frozen=True)
class Circle:
    kind: ClassVar[str] = "circle"
    cx: float
    cy: float
    r: float
    cls: str
    title: str  # tooltip: the exact value the dot stands for


@dataclass(frozen=True)
class Rect:
    kind: ClassVar[str] = "rect"
    x: float
    y: float
    width: float
    height: float
    cls: str
    title: str = ""


@dataclass(frozen=True)
class Text:
    kind: ClassVar[str] = "text"
    x: float
    y: float
    text: str
    anchor: Anchor = "start"
    cls: str = "label"


Element = Line | Polyline | Circle | Rect | Text


@dataclass(frozen=True)
class LegendEntry:
    label: str
    cls: str  # the CSS class of the swatch, the same as the marks it explains
    shape: Literal["box", "line", "dot"] = "box"


@dataclass(frozen=True)
class Chart:
    title: str
    description: str  # the chart in words, for screen readers and the printed page
    width: float
    height: float
    elements: tuple[Element, ...]
    legend: tuple[LegendEntry, ...] = ()


@dataclass(frozen=True)
class Scale:
    """Affine map from a data interval onto a pixel interval (either may be reversed)."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if self.hi == self.lo:
            return (self.start + self.end) / 2
        return self.start + (value - self.lo) * (self.end - self.start) / (self.hi - self.lo)


def nice_ticks(lo: float, hi: float, count: int = 5) -> tuple[float, ...]:
    """Round tick values (steps of 1, 2 or 5 times a power of ten) covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"ticks need finite bounds, got [{lo}, {hi}]")
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        return (lo,)
    raw = (hi - lo) / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    error = raw / power  # in [1, 10): pick the nearest of 1, 2, 5, 10 on a log scale (as d3 does)
    multiple = (
        10.0 if error >= 50**0.5 else 5.0 if error >= 10**0.5 else 2.0 if error >= 2**0.5 else 1.0
    )
    step = multiple * power
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12) + 0.0)  # + 0.0 turns -0.0 into 0.0
        value += step
    return tuple(ticks)


def tick_label(value: float, step: float) -> str:
    """Enough decimals to tell neighbouring ticks apart, no more."""
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 else 2
    return f"{value:.{decimals}f}"


def _padded(values: Sequence[float], pad_fraction: float = 0.08) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    span = hi - lo
    pad = span * pad_fraction if span > 0 else max(abs(lo) * 0.01, 0.005)
    return lo - pad, hi + pad


def _y_axis(
    scale: Scale, ticks: Sequence[float], left: float, right: float, title: str
) -> list[Element]:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 0.0
    out: list[Element] = []
    for tick in ticks:
        y = _r(scale(tick))
        out.append(Line(left, y, right, y, "grid"))
        out.append(Text(left - 6, _r(y + 4), tick_label(tick, step), "end", "tick"))
    mid = _r((scale.start + scale.end) / 2)
    out.append(Text(12, mid, title, "middle", "axis-title vertical"))
    return out


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
    width = _LEFT + _RIGHT + column * len(groups)
    height = 280.0
    all_values = [v for g in groups for _, v in g.values]
    if required is not None:
        all_values.append(required)
    lo, hi = _padded(all_values)
    y = Scale(lo, hi, height - _BOTTOM, _TOP)
    ticks = nice_ticks(lo, hi, 5)
    elements: list[Element] = _y_axis(y, ticks, _LEFT, width - _RIGHT, axis_title)
    for index, group in enumerate(groups):
        centre = _LEFT + column * (index + 0.5)
        stats = box_stats([v for _, v in group.values])
        box_half = 26.0
        elements.append(
            Line(_r(centre), _r(y(stats.low)), _r(centre), _r(y(stats.high)), "whisker")
        )
        for cap in (stats.low, stats.high):
            elements.append(
                Line(_r(centre - 10), _r(y(cap)), _r(centre + 10), _r(y(cap)), "whisker")
            )
        top = y(stats.q3)
        elements.append(
            Rect(
                _r(centre - box_half),
                _r(top),
                _r(2 * box_half),
                _r(max(y(stats.q1) - top, 1.0)),
                f"box {group.cls}",
                f"{group.label}: quartiles {stats.q1:.4f} to {stats.q3:.4f}",
            )
        )
        elements.append(
            Line(
                _r(centre - box_half),
                _r(y(stats.median)),
                _r(centre + box_half),
                _r(y(stats.median)),
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
                    _r(centre + dx),
                    _r(y(value)),
                    4.0,
                    f"dot {group.cls}",
                    f"{group.label}, {seed_text}: {value:.4f}",
                )
            )
        elements.append(
            Text(_r(centre), _r(height - _BOTTOM + 18), group.label, "middle", "axis-label")
        )
        elements.append(
            Text(
                _r(centre),
                _r(height - _BOTTOM + 34),
                f"n={len(group.values)}, median {stats.median:.4f}",
                "middle",
                "tick",
            )
        )
    legend: list[LegendEntry] = [LegendEntry(g.label, f"swatch {g.cls}") for g in groups]
    if required is not None:
        ry = _r(y(required))
        elements.append(Line(_LEFT, ry, _r(width - _RIGHT), ry, "required"))
        elements.append(
            Text(_r(width - _RIGHT - 2), _r(ry - 4), f"required {required:.4f}", "end", "ref-label")
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
        width=_r(width),
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
    out: list[Element] = [Line(_LEFT, baseline_y, _r(width - _RIGHT), baseline_y, "axis")]
    for tick in ticks:
        x = _r(scale(tick))
        out.append(Line(x, baseline_y, x, _r(baseline_y + 4), "axis"))
        out.append(Text(x, _r(baseline_y + 16), str(int(tick)), "middle", "tick"))
    out.append(
        Text(_r((_LEFT + width - _RIGHT) / 2), _r(baseline_y + 34), title, "middle", "axis-title")
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
    lo, hi = _padded(values)
    y = Scale(lo, hi, height - _BOTTOM, _TOP)
    first, last = min(t.index for t in trials), max(t.index for t in trials)
    x = Scale(first, max(last, first + 1), _LEFT + 8, width - _RIGHT - 8)
    elements: list[Element] = _y_axis(y, nice_ticks(lo, hi, 5), _LEFT, width - _RIGHT, axis_title)
    elements += _x_axis(x, first, last, _r(height - _BOTTOM), "trial", width)
    best: list[str] = []
    best_value = -math.inf
    for t in trials:
        if t.accuracy > best_value:
            if best:  # staircase: hold the old best until this trial, then step up
                best.append(f"{_r(x(t.index))},{_r(y(best_value))}")
            best_value = t.accuracy
        best.append(f"{_r(x(t.index))},{_r(y(best_value))}")
    elements.append(Polyline(" ".join(best), "best"))
    legend = [LegendEntry("best so far", "swatch best", "line")]
    if baseline is not None:
        by = _r(y(baseline))
        elements.append(Line(_LEFT, by, _r(width - _RIGHT), by, "baseline-line"))
        elements.append(
            Text(
                _r(width - _RIGHT - 2),
                _r(by - 4),
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
                _r(x(t.index)),
                _r(y(t.accuracy)),
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
    lo, hi = _padded(transformed)
    y = Scale(lo, hi, height - _BOTTOM, _TOP)
    # Same x range as the accuracy chart above it, so trial k sits at the same place in both.
    first, last = min(t.index for t in trials), max(t.index for t in trials)
    x = Scale(first, max(last, first + 1), _LEFT + 8, width - _RIGHT - 8)
    ticks = nice_ticks(lo, hi, 4)
    if use_log:  # whole decades read best: 1, 0.1, 0.01
        decades = tuple(float(e) for e in range(math.ceil(lo), math.floor(hi) + 1))
        ticks = decades if len(decades) >= 2 else ticks
    elements: list[Element] = []
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 0.0
    for tick in ticks:
        ty = _r(y(tick))
        label = f"{10**tick:.3g}" if use_log else tick_label(tick, step)
        elements.append(Line(_LEFT, ty, _r(width - _RIGHT), ty, "grid"))
        elements.append(Text(_LEFT - 6, _r(ty + 4), label, "end", "tick"))
    elements.append(
        Text(12, _r((y.start + y.end) / 2), "temperature", "middle", "axis-title vertical")
    )
    elements += _x_axis(x, first, last, _r(height - _BOTTOM), "trial", width)
    coords = [(_r(x(i)), _r(y(v))) for (i, _), v in zip(points, transformed, strict=True)]
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
        elements.append(Line(_r(sx), _r(sy + box_h / 2), _r(dx), _r(dy - box_h / 2), "edge"))
        elements.append(Circle(_r(dx), _r(dy - box_h / 2), 3.0, "edge-end", f"{src} → {dst}"))
    for node_id, (cx, cy) in centres.items():
        label = labels.get(node_id, node_id)
        short = label if len(label) <= 28 else label[:27] + "…"
        elements.append(Rect(_r(cx - box_w / 2), _r(cy - box_h / 2), box_w, box_h, "node", label))
        elements.append(Text(_r(cx), _r(cy + 4), short, "middle", "node-label"))
    return Chart(
        title="Model graph",
        description=f"{len(nodes)} layers, {len(edges)} connections, {len(generations)} levels",
        width=_r(width),
        height=_r(height),
        elements=tuple(elements),
    )
