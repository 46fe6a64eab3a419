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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

Anchor = Literal["start", "middle", "end"]

# Plot area margins (user units): room for tick labels on the left and an axis title below.
LEFT = 56.0
RIGHT = 16.0
TOP = 16.0
BOTTOM = 44.0


def px(value: float) -> float:
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


def padded(values: Sequence[float], pad_fraction: float = 0.08) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    span = hi - lo
    pad = span * pad_fraction if span > 0 else max(abs(lo) * 0.01, 0.005)
    return lo - pad, hi + pad


def y_axis(
    scale: Scale, ticks: Sequence[float], left: float, right: float, title: str
) -> list[Element]:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 0.0
    out: list[Element] = []
    for tick in ticks:
        y = px(scale(tick))
        out.append(Line(left, y, right, y, "grid"))
        out.append(Text(left - 6, px(y + 4), tick_label(tick, step), "end", "tick"))
    mid = px((scale.start + scale.end) / 2)
    out.append(Text(12, mid, title, "middle", "axis-title vertical"))
    return out
