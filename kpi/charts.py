"""Figures of the dashboards. No queries: every function takes the already aggregated numbers.

Plotly figures leave here as plain JSON-ready dicts (`figure_json`) that templates embed with json_script;
plotly.js is served from static/vendor. Tiles' sparklines are small inline SVGs drawn server-side: ten
plotly charts on the overview would cost the browser far more than the numbers they show.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from kpi.definitions import KpiDefinition, Unit
from kpi.templatetags.kpi_format import format_value

# The app's palette (static/css/app.css): hues far apart (blue, orange, green, magenta, violet, teal), each
# at least 5:1 against white, above the 3:1 that WCAG 1.4.11 asks of graphics.
SERIES_COLOURS = ("#0b5cad", "#b45309", "#047857", "#9d174d", "#5b21b6", "#0e7490")
TARGET_COLOUR = "#52606d"
HIGHLIGHT_COLOUR = "#b42318"
FONT = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def _float(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def _axis_format(kpi: KpiDefinition) -> dict:
    if kpi.unit is Unit.PERCENT:
        return {"ticksuffix": "%"}
    if kpi.unit is Unit.CNY:
        return {"tickprefix": "¥", "tickformat": ",.0f"}
    return {}


def _layout(kpi: KpiDefinition, *, height: int, y_title: str = "") -> dict:
    return {
        "template": "none",
        "height": height,
        "margin": {"l": 64, "r": 16, "t": 16, "b": 48},
        "font": {"family": FONT, "size": 13, "color": "#1f2933"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.18},
        "yaxis": {"gridcolor": "#d9e2ec", "zeroline": False, "title": {"text": y_title}, **_axis_format(kpi)},
        "xaxis": {"gridcolor": "#eef2f7"},
    }


@dataclass(frozen=True)
class Line:
    """One series of a trend chart: a label and (bucket start, value) points."""

    label: str
    points: Sequence  # kpi.selectors.KpiPoint: .start, .value


def trend_figure(kpi: KpiDefinition, lines: Sequence[Line], *, target: Decimal | None = None,
                 by: str = "day", height: int = 360) -> go.Figure:
    """One line per series (region, a tier, or 2–5 dealers side by side), the target as a dashed line."""
    figure = go.Figure(layout=_layout(kpi, height=height))
    for index, line in enumerate(lines):
        figure.add_trace(go.Scatter(
            x=[point.start.isoformat() for point in line.points],
            y=[_float(point.value) for point in line.points],
            text=[format_value(point.value, kpi) for point in line.points],
            hovertemplate="%{text}",
            name=line.label,
            mode="lines+markers" if by != "day" or len(line.points) <= 45 else "lines",
            line={"color": SERIES_COLOURS[index % len(SERIES_COLOURS)], "width": 2},
            marker={"size": 5},
            connectgaps=False,
        ))
    if target is not None:
        figure.add_hline(y=float(target), line={"color": TARGET_COLOUR, "dash": "dash", "width": 1},
                         annotation_text=format_value(target, kpi), annotation_position="top left")
    if by == "month":
        figure.update_xaxes(tickformat="%Y-%m", dtick="M1" if max((len(x.points) for x in lines), default=0) <= 24 else None)
    figure.update_layout(showlegend=len(lines) > 1)
    return figure


@dataclass(frozen=True)
class DealerPoint:
    label: str
    value: Decimal | None
    url: str
    highlighted: bool = False


def distribution_figure(kpi: KpiDefinition, points: Sequence[DealerPoint], *, target: Decimal | None = None,
                        region_value: Decimal | None = None, height: int = 300) -> go.Figure:
    """The KPI over dealers: every dealer a dot (click opens its drill-down), a box for the spread."""
    present = [point for point in points if point.value is not None]
    figure = go.Figure(layout=_layout(kpi, height=height))
    figure.update_layout(hovermode="closest", showlegend=False, margin={"l": 160, "r": 16, "t": 16, "b": 40})
    values = [float(point.value) for point in present]
    figure.add_trace(go.Box(
        x=values, name="", boxpoints="all", jitter=0.5, pointpos=0, orientation="h",
        marker={"color": SERIES_COLOURS[0], "size": 7, "opacity": 0.75},
        line={"color": "#829ab1"}, fillcolor="rgba(11,92,173,0.06)",
        text=[f"{point.label}: {format_value(point.value, kpi)}" for point in present],
        customdata=[point.url for point in present], hoverinfo="text",
    ))
    highlighted = [point for point in present if point.highlighted]
    if highlighted:
        figure.add_trace(go.Scatter(
            x=[float(point.value) for point in highlighted], y=[""] * len(highlighted), mode="markers",
            marker={"color": HIGHLIGHT_COLOUR, "size": 13, "symbol": "diamond", "line": {"color": "#fff", "width": 1}},
            text=[f"{point.label}: {format_value(point.value, kpi)}" for point in highlighted],
            customdata=[point.url for point in highlighted], hoverinfo="text",
        ))
    if target is not None:
        figure.add_vline(x=float(target), line={"color": TARGET_COLOUR, "dash": "dash", "width": 1},
                         annotation_text=format_value(target, kpi), annotation_position="top")
    if region_value is not None:
        figure.add_vline(x=float(region_value), line={"color": SERIES_COLOURS[1], "width": 1})
    figure.update_xaxes(**_axis_format(kpi))
    figure.update_yaxes(showticklabels=False)
    return figure


def figure_json(figure: go.Figure) -> dict:
    """The figure as plain JSON types for {{ figure|json_script:"id" }} (dates, numpy, NaN handled)."""
    return json.loads(json.dumps(figure.to_plotly_json(), cls=PlotlyJSONEncoder))


@dataclass(frozen=True)
class Sparkline:
    """An inline SVG polyline: `points` for <polyline>, `last` the final point's (x, y) for a dot."""

    width: int
    height: int
    paths: tuple[str, ...]  # one "x,y x,y …" per unbroken stretch (buckets without a value break the line)
    last: tuple[float, float] | None
    first_value: Decimal | None
    last_value: Decimal | None


def sparkline(values: Sequence[Decimal | float | None], *, width: int = 120, height: int = 32,
              pad: float = 3.0) -> Sparkline:
    """Scale `values` into a width × height box; gaps (None) break the line instead of faking a zero."""
    numbers = [float(v) for v in values if v is not None]
    if not numbers:
        return Sparkline(width, height, (), None, None, None)
    low, high = min(numbers), max(numbers)
    span = high - low or 1.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    paths: list[list[str]] = [[]]
    last = None
    for index, value in enumerate(values):
        if value is None:
            if paths[-1]:
                paths.append([])
            continue
        x = pad + index * step
        y = height - pad - (float(value) - low) / span * (height - 2 * pad) if high != low else height / 2
        paths[-1].append(f"{x:.1f},{y:.1f}")
        last = (round(x, 1), round(y, 1))
    present = [v for v in values if v is not None]
    # A lone point draws nothing as a polyline; the end dot still shows it.
    return Sparkline(width, height, tuple(" ".join(p) for p in paths if len(p) > 1), last,
                     Decimal(str(present[0])), Decimal(str(present[-1])))


def sparklines(series: Mapping[str, Sequence]) -> dict[str, Sparkline]:
    """A sparkline per KPI code from kpi_series' points."""
    return {code: sparkline([point.value for point in points]) for code, points in series.items()}
