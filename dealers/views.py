"""Dealer pages: the directory of the dealers a user may see, and one dealer's page.

A dealer outside the user's scope (dealers.policy) is a 404, whichever way it is asked for. Each section of
the dealer page shows only if the user may see that kind of record at this dealer (a technician sees the
workshop board and the certifications, not the complaints).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kpi.charts import sparkline
from kpi.dashboard_cache import Reader
from kpi.definitions import HEADLINE_KPIS
from kpi.periods import data_end, parse_period, spark_window
from kpi.templatetags.kpi_format import change_tone, format_change, format_value, status_text
from kpi.views import build_query, period_picker

from . import policy, selectors
from .models import Dealer
from .policy import Record


@login_required
@require_GET
def dealer_list(request: HttpRequest) -> HttpResponse:
    dealers = selectors.dealer_list(user=request.user).order_by("code")
    return render(request, "dealers/dealer_list.html", {"dealers": dealers})


def _kpi_rows(request: HttpRequest, dealer: Dealer, period) -> dict:
    """The headline KPIs of this dealer against its targets, its own past and the rest of its region."""
    codes = [kpi.code for kpi in HEADLINE_KPIS]
    # "Against the region": the dealers of this dealer's region whose figures this user may see. For staff
    # of a single dealer that is the dealer itself, and the comparison is left out rather than leaking
    # an aggregate of other dealers' numbers.
    visible = selectors.visible_dealer_ids(request.user, Record.KPI)
    region_ids = list(Dealer.objects.filter(region_id=dealer.region_id, id__in=visible).values_list("id", flat=True))
    reader = Reader.current()
    values = reader.kpi_values(dealer_ids=[dealer.pk], start=period.start, end=period.end, codes=codes)
    spark_start, spark_end, spark_by = spark_window(period)
    series = reader.kpi_series(dealer_ids=[dealer.pk], start=spark_start, end=spark_end, codes=codes, by=spark_by)
    region_values = None
    if len(region_ids) > 1:
        region_values = reader.kpi_values(dealer_ids=region_ids, start=period.start, end=period.end,
                                          codes=codes, compare=False)
    params = period.params()
    rows = []
    for kpi in HEADLINE_KPIS:
        kv = values[kpi.code]
        detail = reverse("kpi:kpi_detail", args=[kpi.code])
        region_kv = region_values[kpi.code] if region_values else None
        rows.append({
            "kpi": kpi,
            "value": format_value(kv.value, kpi),
            "url": f"{detail}?{build_query(params, {'dealer': dealer.pk})}",
            "target": format_value(kv.target, kpi) if kv.target is not None else "",
            "status": kv.status,
            "status_label": status_text(kv.status),
            "change": format_change(kv.change, kpi, kv.previous),
            "change_tone": change_tone(kv.change, kpi, kv.previous),
            "change_last_year": format_change(kv.change_last_year, kpi, kv.last_year),
            "change_last_year_tone": change_tone(kv.change_last_year, kpi, kv.last_year),
            "region": format_value(region_kv.value, kpi) if region_kv else "",
            "region_url": f"{detail}?{build_query(params, {'region': dealer.region_id})}" if region_kv else "",
            "spark": sparkline([point.value for point in series[kpi.code]]),
        })
    return {"rows": rows, "has_region": region_values is not None, "spark_by": spark_by, "spark_start": spark_start}


def list_url(viewname: str, **params) -> str:
    """A list page of another app filtered to these records, or "" while that app has no such page."""
    try:
        base = reverse(viewname)
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode(params)}" if params else base


def _section_links(dealer: Dealer) -> dict:
    """Where each count on the dealer page comes from: the owning app's list, filtered to this dealer."""
    return {
        "open_orders": list_url("workorders:workorder_list", dealer=dealer.pk, open="true"),
        "overdue_orders": list_url("workorders:workorder_list", dealer=dealer.pk, overdue="true"),
        "status": {status: list_url("workorders:workorder_list", dealer=dealer.pk, status=status)
                   for status in selectors.BOARD_STATUSES},
        "below_reorder": list_url("parts:stock_list", dealer=dealer.pk, below_reorder_point="true"),
        "slow_moving": list_url("parts:stock_list", dealer=dealer.pk, slow_moving="true"),
        "expiring": list_url("training:expiring_list", days=selectors.CERT_WARNING_DAYS),
        "hv_gap": list_url("training:hv_gap"),
        "complaints": list_url("workorders:complaint_list", dealer=dealer.pk, state="open"),
    }


@login_required
@require_GET
def dealer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One dealer: its KPIs against the region, the live workshop board, parts alerts, people, complaints."""
    dealer = selectors.dealer_get(user=request.user, pk=pk)
    user = request.user
    period, problems = parse_period(request.GET)
    now = timezone.now()

    def may(record: Record) -> bool:
        return selectors.can_view(user, record, dealer.pk)

    links = _section_links(dealer)
    board = selectors.workshop_board(user=user, dealer=dealer, now=now) if may(Record.WORK_ORDER) else None
    for column in board.columns if board else ():
        column.url = links["status"].get(column.status, "")
    context = {
        "dealer": dealer,
        "period": period,
        "picker": period_picker(request, period, last_day=data_end()),
        "problems": problems,
        "now": now,
        "kpis": _kpi_rows(request, dealer, period) if may(Record.KPI) else None,
        "board": board,
        "parts": selectors.parts_alerts(user=user, dealer=dealer, now=now) if may(Record.STOCK) else None,
        "people": selectors.certifications(user=user, dealer=dealer) if may(Record.TECHNICIAN) else None,
        "complaints": selectors.open_complaints(user=user, dealer=dealer, now=now) if may(Record.COMPLAINT) else None,
        "is_region_user": policy.is_region_user(user),
        "links": links,
        "overview_url": reverse("kpi:overview") + "?" + period.querystring(),
        "section_titles": {
            "kpis": _("Key figures"), "board": _("Workshop board"), "parts": _("Parts alerts"),
            "people": _("Certifications"), "complaints": _("Open complaints"),
        },
    }
    return render(request, "dealers/dealer_detail.html", context)
