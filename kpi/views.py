"""The regional manager's dashboards: region overview, dealer league table (+ exports), trends, KPI pages.

Every view scopes through dealers.policy (the dealers whose KPIs the user may see, Record.KPI) before any
number is read, and reads numbers only through kpi.selectors. The period and the filters travel as GET
parameters so a view can be bookmarked and shared; a refused parameter shows a message and the default.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dealers.choices import CityTier, DealerKind
from dealers.models import Region
from dealers.policy import Record
from dealers.selectors import DealerRow, dealer_rows, visible_dealer_ids
from kpi import selectors
from kpi.charts import DealerPoint, Line, distribution_figure, figure_json, sparkline, trend_figure
from kpi.dashboard_cache import Reader
from kpi.definitions import HEADLINE_KPIS, KPI_BY_CODE, KPIS, Direction, KpiDefinition
from kpi.drilldown import drilldown_for, has_drilldown
from kpi.exports import league_csv, league_frame, league_xlsx
from kpi.league import Column, league_body_html, league_columns, league_rows, parse_sort, sort_rows
from kpi.periods import BUCKETS, Period, data_end, parse_period, spark_window
from kpi.templatetags.kpi_format import (
    change_tone,
    format_change,
    format_value,
    group_number,
    status_text,
)

PERIOD_KEYS = ("period", "on", "start", "end")
FILTER_KEYS = ("region", "kind", "tier")
RECORDS_PER_PAGE = 25
MAX_COMPARED_DEALERS = 5


# --- scope: which dealers a dashboard counts ------------------------------------------------------


class DealerFilterForm(forms.Form):
    region = forms.TypedChoiceField(label=_("Region"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *DealerKind.choices])
    tier = forms.TypedChoiceField(label=_("City tier"), coerce=int, required=False, empty_value=None,
                                  choices=[("", _("All tiers")), *CityTier.choices])

    def __init__(self, *args, regions: Sequence[Region], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions")), *((r.pk, r.name) for r in regions)]


@dataclass
class Scope:
    """The dealers a dashboard counts: the user's (policy) narrowed by the region/kind/tier filters."""

    dealers: list[DealerRow]
    form: DealerFilterForm
    regions: list[Region]
    filters: dict[str, str] = field(default_factory=dict)  # the accepted filter parameters, for links
    errors: list[str] = field(default_factory=list)
    visible: list[DealerRow] = field(default_factory=list)  # every dealer of the user's scope, unfiltered
    # kpi.selectors through the dashboards' cache, versioned by the facts, targets and dealers.
    reader: Reader = field(default_factory=Reader.current)

    @property
    def ids(self) -> list[int]:
        return [dealer.pk for dealer in self.dealers]

    @property
    def tz(self) -> dt.tzinfo:
        by_id = {region.pk: region.timezone for region in self.regions}
        zones = {by_id[dealer.region_id] for dealer in self.dealers}
        return zoneinfo.ZoneInfo(zones.pop() if len(zones) == 1 else settings.TIME_ZONE)


def _form_errors(form: forms.Form) -> list[str]:
    messages = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        messages.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return messages


def _visible_for_kpis(request: HttpRequest) -> frozenset[int]:
    visible = visible_dealer_ids(request.user, Record.KPI)
    if not visible:
        raise Http404(gettext("No dealer's figures are visible to you."))
    return visible


def dashboard_scope(request: HttpRequest, reader: Reader | None = None) -> Scope:
    """The dealers of the user's KPI scope that match the filters. 404 when the user may see none."""
    visible = _visible_for_kpis(request)
    reader = reader or Reader.current()
    dealers = reader.remember("dealer-rows", lambda: dealer_rows(user=request.user, record=Record.KPI),
                              dealer_ids=visible)
    everyone = dealers
    regions = list(Region.objects.filter(id__in={dealer.region_id for dealer in dealers}).order_by("code"))
    raw = {key: request.GET[key] for key in FILTER_KEYS if request.GET.get(key)}
    form = DealerFilterForm(raw, regions=regions)
    errors: list[str] = []
    filters: dict[str, str] = {}
    if not form.is_valid():
        errors = _form_errors(form)
        # Keep the parameters that were fine; drop only the refused ones.
        raw = {key: value for key, value in raw.items() if key not in form.errors}
        form = DealerFilterForm(raw, regions=regions)
        form.is_valid()
    data = form.cleaned_data
    if data.get("region"):
        dealers = [d for d in dealers if d.region_id == data["region"]]
    if data.get("kind"):
        dealers = [d for d in dealers if d.kind == data["kind"]]
    if data.get("tier"):
        dealers = [d for d in dealers if d.city_tier == data["tier"]]
    filters = {key: str(data[key]) for key in FILTER_KEYS if data.get(key)}
    return Scope(dealers, form, regions, filters, errors, everyone, reader)


# --- links ---------------------------------------------------------------------------------------


def build_query(*parts: dict[str, object]) -> str:
    merged: dict[str, object] = {}
    for part in parts:
        merged.update({key: value for key, value in part.items() if value not in (None, "", [])})
    return urlencode(merged, doseq=True)


def _url(name: str, *args, params: dict[str, object] | None = None) -> str:
    base = reverse(name, args=args)
    query = build_query(params or {})
    return f"{base}?{query}" if query else base


def kept_params(request: HttpRequest, drop: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The GET parameters to carry in hidden inputs of a form that changes only some of them."""
    skip = set(drop)
    return [(key, value) for key in request.GET for value in request.GET.getlist(key) if key not in skip]


def period_picker(request: HttpRequest, period: Period, *, last_day: dt.date) -> dict:
    """What templates/kpi/partials/period_picker.html needs: the form values, hidden params, prev/next."""
    others = QueryDict(mutable=True)
    for key, value in kept_params(request, drop=(*PERIOD_KEYS, "page")):
        others.appendlist(key, value)
    base = others.urlencode()

    def link(target: Period | None) -> str:
        if target is None:
            return ""
        return "?" + "&".join(part for part in (target.querystring(), base) if part)

    return {
        "period": period,
        "hidden": kept_params(request, drop=(*PERIOD_KEYS, "page")),
        "previous_url": link(period.shifted(-1, last_day=last_day)),
        "next_url": link(period.shifted(1, last_day=last_day)),
        "last_day": last_day,
        "choices": [
            ("day", _("Day")), ("week", _("Week")), ("month", _("Month")), ("quarter", _("Quarter")),
            ("year", _("Year")), ("custom", _("Custom range")),
        ],
    }


def _period(request: HttpRequest) -> tuple[Period, list[str], dt.date]:
    period, errors = parse_period(request.GET)
    return period, errors, data_end()


# --- tiles ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    kpi: KpiDefinition
    value: str
    target: str
    status: str
    status_label: str
    change: str
    change_tone: str
    change_last_year: str
    change_last_year_tone: str
    url: str
    spark: object


def make_tiles(values: dict, series: dict, *, url_for) -> list[Tile]:
    tiles = []
    for kpi in HEADLINE_KPIS:
        kv = values[kpi.code]
        tiles.append(Tile(
            kpi=kpi,
            value=format_value(kv.value, kpi),
            target=format_value(kv.target, kpi) if kv.target is not None else "",
            status=kv.status,
            status_label=status_text(kv.status),
            change=format_change(kv.change, kpi, kv.previous),
            change_tone=change_tone(kv.change, kpi, kv.previous),
            change_last_year=format_change(kv.change_last_year, kpi, kv.last_year),
            change_last_year_tone=change_tone(kv.change_last_year, kpi, kv.last_year),
            url=url_for(kpi),
            spark=sparkline([point.value for point in series.get(kpi.code, [])]),
        ))
    return tiles


def _base_context(request: HttpRequest, scope: Scope, period: Period, errors: list[str], last_day: dt.date) -> dict:
    return {
        "scope": scope,
        "period": period,
        "picker": period_picker(request, period, last_day=last_day),
        "problems": [*errors, *scope.errors],
        "filters_hidden": kept_params(request, drop=(*FILTER_KEYS, "page")),
        "show_regions": len(scope.regions) > 1,
    }


# --- views ---------------------------------------------------------------------------------------


def _cached_content(request: HttpRequest, name: str, build: Callable[[Reader], str]) -> str:
    """The page's main content, rendered once per data version for everyone who asks for the same thing.

    Everything the content shows follows from the dealers the user may see, every GET parameter (period,
    filters, sort, and any other kept in its links), the language and the last day with data; those are
    the key, with the data version (kpi.dashboard_cache). Nothing personal is in it: the header with the
    user's name, the navigation and the language switcher are rendered for each request around it.
    kpi.warmup renders the picker's periods right after each roll-up, so a manager's first view is a hit.
    """
    visible = _visible_for_kpis(request)
    reader = Reader.current()
    query = urlencode(sorted((key, value) for key, values in request.GET.lists() for value in values))
    return reader.remember(f"{name}-content", lambda: build(reader), dealer_ids=visible, query=query,
                           language=get_language(), last_day=data_end())


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The regional manager's home: a tile per headline KPI for the period, with sparklines."""

    def build(reader: Reader) -> str:
        scope = dashboard_scope(request, reader)
        period, errors, last_day = _period(request)
        params = {**period.params(), **scope.filters}
        query = build_query(params)
        codes = [kpi.code for kpi in HEADLINE_KPIS]
        values = reader.kpi_values(dealer_ids=scope.ids, start=period.start, end=period.end, codes=codes)
        spark_start, spark_end, spark_by = spark_window(period)
        series = reader.kpi_series(dealer_ids=scope.ids, start=spark_start, end=spark_end, codes=codes, by=spark_by)
        detail = {kpi.code: reverse("kpi:kpi_detail", args=[kpi.code]) for kpi in HEADLINE_KPIS}
        tiles = make_tiles(values, series, url_for=lambda kpi: f"{detail[kpi.code]}?{query}")
        context = {
            **_base_context(request, scope, period, errors, last_day),
            "tiles": tiles,
            "spark_by": spark_by,
            "spark_start": spark_start,
            "league_url": _url("kpi:league", params=params),
            "trends_url": _url("kpi:trends", params=params),
        }
        return render_to_string("kpi/partials/overview_content.html", context, request)

    content = _cached_content(request, "overview", build)
    return render(request, "kpi/overview.html", {"content": mark_safe(content)})  # noqa: S308 — rendered by the template engine


@dataclass(frozen=True)
class HeaderCell:
    column: Column
    url: str
    aria_sort: str


def _league_request(request: HttpRequest, reader: Reader | None = None):
    scope = dashboard_scope(request, reader)
    period, errors, last_day = _period(request)
    columns = league_columns(HEADLINE_KPIS)
    sort_key, descending, sort_error = parse_sort(request.GET.get("sort"), columns)
    if sort_error:
        errors = [*errors, sort_error]
    return scope, period, errors, last_day, columns, sort_key, descending


def _league_rows(scope: Scope, period: Period, sort_key: str, descending: bool) -> list:
    values = scope.reader.kpi_by_dealer(
        dealer_ids=scope.ids, start=period.start, end=period.end, codes=[kpi.code for kpi in HEADLINE_KPIS]
    )
    return sort_rows(league_rows(scope.dealers, values, HEADLINE_KPIS), sort_key, descending=descending)


@login_required
@require_GET
def league(request: HttpRequest) -> HttpResponse:
    """Every dealer with the headline KPIs: sortable, filterable, coloured against targets, outliers marked."""

    def build(reader: Reader) -> str:
        scope, period, errors, last_day, columns, sort_key, descending = _league_request(request, reader)
        params = {**period.params(), **scope.filters}
        query = build_query(params)
        detail = {kpi.code: reverse("kpi:kpi_detail", args=[kpi.code]) for kpi in HEADLINE_KPIS}
        dealer_base = reverse("dealers:dealer_detail", args=[0])[:-2]  # "/dealers/" — pk appended per row
        headers = []
        for column in columns:
            if column.key == sort_key:
                next_sort = column.key if descending else f"-{column.key}"
                aria = "descending" if descending else "ascending"
            else:
                # First click puts the best first: high values of higher-is-better KPIs, low of lower-is-better.
                best_high = column.kpi is not None and column.kpi.direction is not Direction.LOWER
                next_sort, aria = (f"-{column.key}" if best_high else column.key), "none"
            headers.append(HeaderCell(column, "?" + build_query(params, {"sort": next_sort}), aria))
        rows = _league_rows(scope, period, sort_key, descending)
        context = {
            **_base_context(request, scope, period, errors, last_day),
            "headers": headers,
            # built by league_body_html, which escapes every value
            "body": league_body_html(rows, HEADLINE_KPIS, query=query, detail=detail, dealer_base=dealer_base),
            "row_count": len(rows),
            "sort": ("-" if descending else "") + sort_key,
            "csv_url": _url("kpi:league_export", "csv", params={**params, "sort": request.GET.get("sort", "")}),
            "xlsx_url": _url("kpi:league_export", "xlsx", params={**params, "sort": request.GET.get("sort", "")}),
            "outlier_count": sum(1 for row in rows if row.outliers),
        }
        return render_to_string("kpi/partials/league_content.html", context, request)

    content = _cached_content(request, "league", build)
    return render(request, "kpi/league.html", {"content": mark_safe(content)})  # noqa: S308 — rendered by the template engine


@login_required
@require_GET
def league_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The league table as shown (same filters, period, sort and columns) as CSV or Excel."""
    scope, period, _errors, _last_day, columns, sort_key, descending = _league_request(request)
    rows = _league_rows(scope, period, sort_key, descending)
    frame = league_frame(columns, rows)
    stem = f"league_{period.start.isoformat()}_{period.end.isoformat()}"
    if fmt == "csv":
        return league_csv(frame, filename=f"{stem}.csv")
    if fmt == "xlsx":
        return league_xlsx(frame, columns, rows, filename=f"{stem}.xlsx", sheet=period.label())
    raise Http404(gettext("Unknown export format “%(format)s”: use csv or xlsx.") % {"format": fmt})


class TrendForm(forms.Form):
    REGION, TIER, DEALERS = "region", "tier", "dealers"
    kpi = forms.ChoiceField(label=_("KPI"), required=False)
    by = forms.ChoiceField(label=_("Points per"), required=False,
                           choices=[("", _("Automatic")), ("day", _("Day")), ("week", _("Week")), ("month", _("Month"))])
    compare = forms.ChoiceField(label=_("Show"), required=False, choices=[
        (REGION, _("The whole selection")), (TIER, _("Each city tier")), (DEALERS, _("Chosen dealers side by side")),
    ])
    dealer = forms.TypedMultipleChoiceField(label=_("Dealers (2–5)"), coerce=int, required=False)

    def __init__(self, *args, dealers: Sequence[DealerRow], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [(kpi.code, kpi.name) for kpi in KPIS]
        self.fields["dealer"].choices = [(d.pk, f"{d.code} {d.name}") for d in dealers]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("compare") == self.DEALERS:
            chosen = data.get("dealer") or []
            if not 2 <= len(chosen) <= MAX_COMPARED_DEALERS:
                self.add_error("dealer", _("Choose between 2 and %(max)s dealers to compare (you chose %(n)s).")
                               % {"max": MAX_COMPARED_DEALERS, "n": len(chosen)})
        return data


@login_required
@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    """Any KPI by day/week/month for the selection, each city tier, or 2–5 dealers side by side."""
    scope = dashboard_scope(request)
    period, errors, last_day = _period(request)
    raw = QueryDict(mutable=True)
    for key in ("kpi", "by", "compare"):
        if request.GET.get(key):
            raw[key] = request.GET[key]
    raw.setlist("dealer", request.GET.getlist("dealer"))
    form = TrendForm(raw, dealers=scope.dealers)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    if not valid:
        errors = [*errors, *_form_errors(form)]
        # Keep what was fine; fall back only where refused.
        data = {key: value for key, value in form.cleaned_data.items() if key not in form.errors}
    kpi = KPI_BY_CODE[data.get("kpi") or HEADLINE_KPIS[0].code]
    by = data.get("by") or period.default_bucket()
    compare = data.get("compare") or TrendForm.REGION
    if compare == TrendForm.DEALERS and "dealer" in form.errors:
        compare = TrendForm.REGION
    lines: list[Line] = []
    links: list[tuple[str, str]] = []
    params = {**period.params(), **scope.filters}
    detail = reverse("kpi:kpi_detail", args=[kpi.code])
    if compare == TrendForm.DEALERS:
        by_id = {d.pk: d for d in scope.dealers}
        for pk in data["dealer"]:
            series = scope.reader.kpi_series(dealer_ids=[pk], start=period.start, end=period.end, codes=[kpi.code], by=by)
            lines.append(Line(f"{by_id[pk].code} {by_id[pk].name}", series[kpi.code]))
            links.append((f"{by_id[pk].code} {by_id[pk].name}", f"{detail}?{build_query(params, {'dealer': pk})}"))
    elif compare == TrendForm.TIER:
        for tier in sorted({d.city_tier for d in scope.dealers}):
            ids = [d.pk for d in scope.dealers if d.city_tier == tier]
            series = scope.reader.kpi_series(dealer_ids=ids, start=period.start, end=period.end, codes=[kpi.code], by=by)
            label = str(CityTier(tier).label)
            lines.append(Line(label, series[kpi.code]))
            links.append((label, f"{detail}?{build_query(params, {'tier': tier})}"))
    else:
        series = scope.reader.kpi_series(dealer_ids=scope.ids, start=period.start, end=period.end, codes=[kpi.code], by=by)
        lines.append(Line(str(_("Selection")), series[kpi.code]))
        links.append((str(_("Selection")), f"{detail}?{build_query(params)}"))
    target = None
    if compare != TrendForm.DEALERS:
        target = selectors.kpi_target(kpi=kpi, dealer_ids=scope.ids, start=period.start, end=period.end)
    figure = trend_figure(kpi, lines, target=target if kpi.denominator else None, by=by)
    table = _trend_table(kpi, lines)
    context = {
        **_base_context(request, scope, period, errors, last_day),
        "form": form,
        "kpi": kpi,
        "by": by,
        "compare": compare,
        "chosen": set(data.get("dealer") or []),
        "figure": figure_json(figure),
        "links": links,
        "table": table,
        "kpis": KPIS,
        "buckets": BUCKETS,
    }
    return render(request, "kpi/trends.html", context)


def _trend_table(kpi: KpiDefinition, lines: Sequence[Line]) -> dict:
    """The chart's numbers as a table (screen readers, keyboard users, and anyone who wants the figures)."""
    starts = [point.start for point in lines[0].points] if lines else []
    rows = []
    for index, start in enumerate(starts):
        rows.append({"start": start, "cells": [format_value(line.points[index].value, kpi) for line in lines]})
    return {"labels": [line.label for line in lines], "rows": rows}


def formula_terms(kpi: KpiDefinition) -> dict:
    """The KPI's formula in the fact table's own (translated) words: scale × Σ numerator / Σ denominator."""
    from kpi.models import DealerDayFact

    def label(name: str) -> str:
        text = str(DealerDayFact._meta.get_field(name).verbose_name)
        # Some measures are named relative to another ("… with no comeback" of the FTF-eligible work
        # orders): spell the whole phrase out in a formula that stands alone.
        if text.startswith("…") and kpi.denominator and name != kpi.denominator:
            base = str(DealerDayFact._meta.get_field(kpi.denominator).verbose_name)
            text = f"{base} {text.lstrip('… ').strip()}"
        return text

    numerator = [("+" if sign > 0 else "−", label(name)) for name, sign in kpi.numerator]
    return {
        "numerator": numerator,
        "denominator": label(kpi.denominator) if kpi.denominator else "",
        "scale": group_number(kpi.scale, 0),
        "show_scale": kpi.scale != 1,
    }


@login_required
@require_GET
def kpi_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One KPI: its definition, the value, the trend, the distribution over dealers, the records behind it."""
    kpi = KPI_BY_CODE.get(code)
    if kpi is None:
        raise Http404(gettext("Unknown KPI “%(code)s”.") % {"code": code})
    scope = dashboard_scope(request)
    period, errors, last_day = _period(request)
    dealer = None
    raw_dealer = request.GET.get("dealer")
    if raw_dealer:
        # A dealer outside the user's scope does not exist for them: 404, never its figures. (One the
        # filters leave out is still theirs: the link from a dealer page carries no filters.)
        by_id = {d.pk: d for d in scope.visible}
        try:
            dealer = by_id[int(raw_dealer)]
        except (ValueError, KeyError):
            raise Http404(gettext("No such dealer.")) from None
    ids = [dealer.pk] if dealer else scope.ids
    params = {**period.params(), **scope.filters}
    value = scope.reader.kpi_values(dealer_ids=ids, start=period.start, end=period.end, codes=[kpi.code])[kpi.code]
    by = request.GET.get("by") if request.GET.get("by") in BUCKETS else period.default_bucket()
    lines = []
    series = scope.reader.kpi_series(dealer_ids=ids, start=period.start, end=period.end, codes=[kpi.code], by=by)
    lines.append(Line(f"{dealer.code} {dealer.name}" if dealer else str(_("Selection")), series[kpi.code]))
    if dealer and len(scope.ids) > 1:
        region = scope.reader.kpi_series(dealer_ids=scope.ids, start=period.start, end=period.end, codes=[kpi.code], by=by)
        lines.append(Line(str(_("Selection")), region[kpi.code]))
    figure = figure_json(trend_figure(kpi, lines, target=value.target if kpi.denominator else None, by=by))
    trend_table = _trend_table(kpi, lines)
    distribution = None
    ranking = []
    if len(scope.ids) > 1:
        per_dealer = scope.reader.kpi_by_dealer(dealer_ids=scope.ids, start=period.start, end=period.end, codes=[kpi.code])
        detail = reverse("kpi:kpi_detail", args=[kpi.code])
        points = []
        for d in scope.dealers:
            kv = per_dealer.get(d.pk, {}).get(kpi.code)
            url = f"{detail}?{build_query(params, {'dealer': d.pk})}"
            points.append(DealerPoint(f"{d.code} {d.name}", kv.value if kv else None, url, dealer is not None and d.pk == dealer.pk))
            ranking.append({"dealer": d, "value": format_value(kv.value if kv else None, kpi), "raw": kv.value if kv else None,
                            "status": kv.status if kv else "", "url": url,
                            "current": dealer is not None and d.pk == dealer.pk})
        reverse_order = kpi.direction is not Direction.LOWER
        ranking = [r for r in ranking if r["raw"] is not None]
        ranking.sort(key=lambda r: r["raw"], reverse=reverse_order)
        selection_value = None if dealer else value.value
        distribution = figure_json(distribution_figure(kpi, points, target=None, region_value=selection_value))
    records = None
    if has_drilldown(kpi):
        drill = drilldown_for(kpi=kpi, user=request.user, dealer_ids=ids, start=period.start, end=period.end,
                              tz=scope.tz)
        page = Paginator(drill.queryset, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
        records = {"drill": drill, "page": page, "rows": [drill.row(obj) for obj in page.object_list],
                   "page_query": build_query({k: v for k, v in request.GET.items() if k != "page"})}
    context = {
        **_base_context(request, scope, period, errors, last_day),
        "kpi": kpi,
        "dealer": dealer,
        "value": value,
        "value_text": format_value(value.value, kpi),
        "target_text": format_value(value.target, kpi) if value.target is not None else "",
        "status_label": status_text(value.status),
        "change": format_change(value.change, kpi, value.previous),
        "change_tone": change_tone(value.change, kpi, value.previous),
        "change_last_year": format_change(value.change_last_year, kpi, value.last_year),
        "change_last_year_tone": change_tone(value.change_last_year, kpi, value.last_year),
        "formula": formula_terms(kpi),
        "figure": figure,
        "trend_table": trend_table,
        "by": by,
        "distribution": distribution,
        "ranking": ranking,
        "records": records,
        "selection_url": _url("kpi:kpi_detail", kpi.code, params=params),
        "dealer_url": _url("dealers:dealer_detail", dealer.pk, params=period.params()) if dealer else "",
        "trends_url": _url("kpi:trends", params={**params, "kpi": kpi.code}),
    }
    return render(request, "kpi/kpi_detail.html", context)
