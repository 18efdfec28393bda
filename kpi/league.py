"""The dealer league table as pure functions over the aggregated result: columns, rows, outliers, sorting,
and the rows' HTML.

The numbers come from kpi.selectors.kpi_by_dealer (one aggregate query); everything here works on that
small result in memory and runs no query, so it is tested without a database.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kpi.definitions import Direction, KpiDefinition
from kpi.templatetags.kpi_format import column_unit, format_plain, format_value, status_text

if TYPE_CHECKING:
    from dealers.models import Dealer

# 1.4826 × MAD estimates the standard deviation of normally distributed data (the "robust deviation").
MAD_SCALE = 1.4826
# With every dealer but a few on exactly the median the MAD is 0; the mean absolute deviation × √(π/2)
# estimates the same σ and still lets a lone bad dealer stand out.
MEAN_AD_SCALE = 1.2533
OUTLIER_THRESHOLD = 2.0
MIN_DEALERS_FOR_OUTLIERS = 3


def robust_outliers(
    values: Mapping[Hashable, Decimal | float | int | None],
    *,
    direction: Direction = Direction.HIGHER,
    threshold: float = OUTLIER_THRESHOLD,
) -> set[Hashable]:
    """Keys whose value lies more than `threshold` robust deviations on the bad side of the median.

    "Bad side" follows the KPI: below for higher-is-better (and for neutral KPIs, literally below), above
    for lower-is-better. The deviation is 1.4826 × the median absolute deviation (MAD) of the values;
    missing values (None) take no part. Fewer than three values, or no spread at all, give no outliers.
    """
    present = {key: float(value) for key, value in values.items() if value is not None}
    if len(present) < MIN_DEALERS_FOR_OUTLIERS:
        return set()
    median = statistics.median(present.values())
    deviations = [abs(value - median) for value in present.values()]
    spread = MAD_SCALE * statistics.median(deviations)
    if spread == 0:
        spread = MEAN_AD_SCALE * statistics.fmean(deviations)
    if spread == 0:
        return set()
    sign = 1.0 if direction is Direction.LOWER else -1.0
    return {key for key, value in present.items() if sign * (value - median) / spread > threshold}


@dataclass(frozen=True)
class Column:
    """One column of the league table and of its exports (the same list feeds both)."""

    key: str  # the ?sort= value
    label: str
    kpi: KpiDefinition | None = None

    @property
    def numeric(self) -> bool:
        return self.kpi is not None or self.key == "tier"


def league_columns(kpis: Sequence[KpiDefinition]) -> list[Column]:
    columns = [
        Column("code", str(_("Code"))),
        Column("name", str(_("Dealer"))),
        Column("kind", str(_("Kind"))),
        Column("tier", str(_("City tier"))),
        Column("city", str(_("City"))),
    ]
    for kpi in kpis:
        unit = column_unit(kpi.unit)
        columns.append(Column(kpi.code, f"{kpi.name} ({unit})" if unit else str(kpi.name), kpi))
    return columns


@dataclass
class LeagueRow:
    dealer: Dealer
    figures: Mapping[str, Any]  # KPI code → kpi.selectors.KpiValue
    outliers: set[str] = field(default_factory=set)

    def sort_value(self, key: str):
        if key == "code":
            return self.dealer.code
        if key == "name":
            return self.dealer.name
        if key == "kind":
            return self.dealer.get_kind_display()
        if key == "tier":
            return self.dealer.city_tier
        if key == "city":
            return self.dealer.city
        kv = self.figures.get(key)
        return None if kv is None else kv.value


def league_rows(
    dealers: Iterable[Dealer],
    values_by_dealer: Mapping[int, Mapping[str, Any]],
    kpis: Sequence[KpiDefinition],
) -> list[LeagueRow]:
    """A row per dealer, each KPI's outliers marked against the dealers shown."""
    rows = [LeagueRow(dealer, values_by_dealer.get(dealer.pk, {})) for dealer in dealers]
    for kpi in kpis:
        values = {row.dealer.pk: (row.figures[kpi.code].value if kpi.code in row.figures else None) for row in rows}
        flagged = robust_outliers(values, direction=kpi.direction)
        for row in rows:
            if row.dealer.pk in flagged:
                row.outliers.add(kpi.code)
    return rows


def parse_sort(raw: str | None, columns: Sequence[Column], default: str = "code") -> tuple[str, bool, str | None]:
    """(column key, descending?, error message or None) from a ?sort= value such as "csi" or "-fill_rate"."""
    if not raw:
        return default, False, None
    descending = raw.startswith("-")
    key = raw.lstrip("-")
    if key not in {column.key for column in columns}:
        return default, False, str(_("Cannot sort by “%(sort)s”: no such column. Sorted by code instead.")
                                   % {"sort": raw})
    return key, descending, None


def sort_rows(rows: list[LeagueRow], key: str, *, descending: bool = False) -> list[LeagueRow]:
    """Rows ordered by `key`; dealers without a value come last in either direction, ties by code."""
    def has(row: LeagueRow) -> bool:
        return row.sort_value(key) is not None

    present = sorted((row for row in rows if has(row)), key=lambda row: row.dealer.code)
    present.sort(key=_sort_key(key), reverse=descending)
    missing = sorted((row for row in rows if not has(row)), key=lambda row: row.dealer.code)
    return present + missing


def _sort_key(key: str) -> Callable[[LeagueRow], Any]:
    def value(row: LeagueRow):
        raw = row.sort_value(key)
        return raw.casefold() if isinstance(raw, str) else raw

    return value


def league_body_html(rows: Sequence[LeagueRow], kpis: Sequence[KpiDefinition], *, query: str,
                     detail: Mapping[str, str], dealer_base: str) -> SafeString:
    """The league table's <tbody> rows, written in Python.

    200 dealers × 15 columns is 3,000 cells, each with a link, a colour, a tooltip and words for screen
    readers; through the template language that alone took longer than the whole page's budget
    (bench/dashboard_render.py). Every value is escaped here exactly as the template would.
    """
    on_target = {status: status_text(status) for status in ("green", "amber", "red")}
    target_word = gettext("target %(target)s")
    outlier_word = gettext("outlier")
    outlier_title = gettext("outlier: more than two robust deviations worse than the median dealer")
    amp_query = escape(query)
    parts: list[str] = []
    for row in rows:
        dealer = row.dealer
        dealer_url = f"{dealer_base}{dealer.pk}/?{amp_query}"
        parts.append(
            f'<tr><td><a href="{dealer_url}">{escape(dealer.code)}</a></td>'
            f'<th scope="row"><a href="{dealer_url}">{escape(dealer.name)}</a></th>'
            f"<td>{escape(dealer.get_kind_display())}</td><td class=\"num\">{dealer.city_tier}</td>"
            f"<td>{escape(dealer.city)}</td>"
        )
        for kpi in kpis:
            kv = row.figures.get(kpi.code)
            outlier = kpi.code in row.outliers
            status = kv.status if kv is not None else ""
            classes = "num"
            if status:
                classes += f" rag-bg-{status}"
            title, spoken = [], []
            if kv is not None and kv.target is not None:
                title.append(target_word % {"target": format_value(kv.target, kpi)})
            if status:
                title.append(on_target[status])
                spoken.append(on_target[status])
            if outlier:
                classes += " outlier"
                title.append(outlier_title)
                spoken.append(outlier_word)
            cell = (f'<td class="{classes}"' + (f' title="{escape("; ".join(title))}"' if title else "") + ">"
                    f'<a href="{detail[kpi.code]}?{amp_query}&amp;dealer={dealer.pk}">'
                    f"{escape(format_plain(kv.value if kv is not None else None, kpi))}</a>")
            if outlier:
                cell += '<span class="outlier-mark" aria-hidden="true">▼</span>'
            if spoken:
                cell += f'<span class="visually-hidden"> ({escape(", ".join(spoken))})</span>'
            parts.append(cell + "</td>")
        parts.append("</tr>")
    return mark_safe("".join(parts))  # noqa: S308 — every interpolated value above is escaped
