"""The content of one digest: built from kpi.selectors and the alert selectors, rendered to HTML and text.

build_digest() reads (a handful of queries, none per dealer) and formats every number in the
subscription's language; render_digest() turns the result into the subject, the plain-text part and the
HTML part (inline styles, tables for layout, no scripts, no images — it has to survive mail clients).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from dealers.models import Dealer
from dealers.policy import Record
from kpi import selectors as kpi_selectors
from kpi.definitions import HEADLINE_KPIS, Direction, KpiDefinition
from kpi.league import robust_outliers

from . import formatting as fmt
from .choices import FREQUENCY_SUBJECT_LABEL, DigestFrequency, ScopeKind
from .periods import Period, local_midnight, previous_period, trend_window
from .scopes import DigestScope
from .selectors import (
    ResolvedScope,
    certifications_expiring,
    complaints_overdue,
    dealers_by_id,
    scope_dealer_ids,
    scope_is_visible,
    scope_resolve,
    urgent_parts_orders_overdue,
)

TOP_N = 3
BAR_MAX_PX = 28
SLOW_MOVING = "slow_moving_share"


def portal_url(viewname: str, *, args: tuple = (), query: dict | None = None) -> str:
    """An absolute link into the portal; the portal's home when the page does not exist (yet), so a
    digest never fails because some other app renamed a URL."""
    base = settings.PORTAL_BASE_URL.rstrip("/")
    try:
        path = reverse(viewname, args=args)
    except NoReverseMatch:
        try:
            path = reverse("home")
        except NoReverseMatch:
            path = "/"
        query = None
    return f"{base}{path}" + (f"?{urlencode(query)}" if query else "")


# ---- the result ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendBar:
    start: dt.date
    height: int  # px; 0 for a bucket without a value
    label: str


@dataclass(frozen=True)
class HeadlineRow:
    kpi: KpiDefinition
    value: kpi_selectors.KpiValue
    value_text: str
    target_text: str
    previous_text: str
    change_text: str
    arrow: str
    arrow_colour: str
    status_text: str
    status_colour: str
    trend: list[TrendBar]
    url: str


@dataclass(frozen=True)
class RankedDealer:
    name: str
    value_text: str
    url: str


@dataclass(frozen=True)
class RankingRow:
    kpi: KpiDefinition
    best: list[RankedDealer]
    worst: list[RankedDealer]


@dataclass(frozen=True)
class OutlierRow:
    kpi: KpiDefinition
    dealer_name: str
    value_text: str
    scope_value_text: str  # the region's (or tier's) value, for comparison
    url: str


@dataclass(frozen=True)
class AlertItem:
    text: str
    url: str


@dataclass(frozen=True)
class AlertSection:
    code: str
    title: str
    items: list[AlertItem]
    more: int  # how many more than listed
    url: str


@dataclass
class Digest:
    user_id: int
    scope: DigestScope
    scope_label: str
    frequency: str
    period: Period
    period_text: str
    language: str
    subject: str
    dealer_ids: frozenset[int]
    headline: list[HeadlineRow] = field(default_factory=list)
    rankings: list[RankingRow] = field(default_factory=list)
    outliers: list[OutlierRow] = field(default_factory=list)
    alerts: list[AlertSection] = field(default_factory=list)
    portal_url: str = ""
    manage_url: str = ""
    unsubscribe_url: str = ""


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


# ---- building ----------------------------------------------------------------------------------------


# The KPI pages take the period as ?period=day|week|month&on=<first day> and the scope as ?region=&tier=
# or ?dealer= (kpi/periods.py, kpi.views.dashboard_scope), so a link opens on exactly the mail's numbers.
_KPI_PERIOD = {DigestFrequency.DAILY: "day", DigestFrequency.WEEKLY: "week", DigestFrequency.MONTHLY: "month"}


def _kpi_url(kpi: KpiDefinition, scope: DigestScope, period: Period) -> str:
    query: dict = {"period": _KPI_PERIOD[period.frequency], "on": period.start.isoformat()}
    if scope.kind == ScopeKind.DEALER:
        query["dealer"] = scope.dealer_id
    else:
        query["region"] = scope.region_id
        if scope.kind == ScopeKind.TIER:
            query["tier"] = scope.city_tier
    return portal_url("kpi:kpi_detail", args=(kpi.code,), query=query)


def _dealer_url(dealer_id: int) -> str:
    return portal_url("dealers:dealer_detail", args=(dealer_id,))


def _trend(kpi: KpiDefinition, points: list) -> list[TrendBar]:
    values = [p.value for p in points if p.value is not None]
    low = min([Decimal(0), *values]) if values else Decimal(0)
    high = max(values) if values else Decimal(0)
    bars = []
    for point in points:
        if point.value is None:
            height = 0
        elif high == low:
            height = BAR_MAX_PX // 2
        else:
            height = 2 + int((point.value - low) / (high - low) * (BAR_MAX_PX - 2))
        bars.append(TrendBar(point.start, height, f"{fmt.format_day(point.start)}: {fmt.format_kpi_value(kpi, point.value)}"))
    return bars


def _headline(values, series, scope, period) -> list[HeadlineRow]:
    rows = []
    for kpi in HEADLINE_KPIS:
        value = values.get(kpi.code)
        if value is None:
            continue
        arrow, arrow_colour = fmt.change_arrow(kpi, value.change)
        rows.append(HeadlineRow(
            kpi=kpi, value=value,
            value_text=fmt.format_kpi_value(kpi, value.value),
            target_text=fmt.format_kpi_value(kpi, value.target),
            previous_text=fmt.format_kpi_value(kpi, value.previous),
            change_text=fmt.format_change(kpi, value.change, value.previous),
            arrow=arrow, arrow_colour=arrow_colour,
            status_text=fmt.status_label(value.status), status_colour=fmt.status_colour(value.status),
            trend=_trend(kpi, series.get(kpi.code, [])),
            url=_kpi_url(kpi, scope, period),
        ))
    return rows


def _ranked(by_dealer, code: str) -> list[tuple[int, Decimal]]:
    return [(dealer_id, kvs[code].value) for dealer_id, kvs in by_dealer.items()
            if code in kvs and kvs[code].value is not None]


def _rankings(by_dealer, dealers: dict[int, Dealer]) -> list[RankingRow]:
    rows = []
    for kpi in HEADLINE_KPIS:
        if kpi.direction is Direction.NEUTRAL:
            continue
        ranked = _ranked(by_dealer, kpi.code)
        if len(ranked) < 2 or len({value for _id, value in ranked}) == 1:
            continue  # nothing to rank: one dealer, or all the same
        # Best first; ties by dealer code so the order is stable between runs.
        ranked.sort(key=lambda item: dealers[item[0]].code)
        ranked.sort(key=lambda item: item[1], reverse=kpi.direction is Direction.HIGHER)
        best = ranked[:TOP_N]
        worst = list(reversed(ranked[max(len(best), len(ranked) - TOP_N):]))

        def entry(dealer_id, value, kpi=kpi):
            return RankedDealer(dealers[dealer_id].name, fmt.format_kpi_value(kpi, value), _dealer_url(dealer_id))

        rows.append(RankingRow(kpi, [entry(*i) for i in best], [entry(*i) for i in worst]))
    return rows


def _outliers(by_dealer, dealers: dict[int, Dealer], values) -> list[OutlierRow]:
    """Dealers more than two robust deviations (median/MAD) worse than the scope's median dealer —
    kpi.league.robust_outliers, the same rule that flags them in the portal's league table."""
    rows = []
    for kpi in HEADLINE_KPIS:
        if kpi.direction is Direction.NEUTRAL:
            continue
        ranked = dict(_ranked(by_dealer, kpi.code))
        found = robust_outliers(ranked, direction=kpi.direction)
        # Worst first, then by dealer code, so the list reads the same on every run.
        for dealer_id in sorted(found, key=lambda d: (ranked[d] if kpi.direction is Direction.LOWER else -ranked[d],
                                                      dealers[d].code), reverse=False):
            rows.append(OutlierRow(
                kpi=kpi, dealer_name=dealers[dealer_id].name,
                value_text=fmt.format_kpi_value(kpi, ranked[dealer_id]),
                scope_value_text=fmt.format_kpi_value(kpi, values[kpi.code].value if kpi.code in values else None),
                url=_dealer_url(dealer_id),
            ))
    return rows


def _local(moment: dt.datetime, tz: str) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _hours_open(since: dt.datetime, as_of: dt.datetime) -> str:
    return fmt.format_number(Decimal((as_of - since).total_seconds()) / 3600, 0)


def _alerts(*, user, resolved: ResolvedScope, period: Period, values, previous, by_dealer, dealers) -> list[AlertSection]:
    scope, tz = resolved.scope, resolved.timezone
    as_of_date = period.send_date
    as_of = local_midnight(as_of_date, tz)
    sections = []

    crossed = []
    for kpi in HEADLINE_KPIS:
        now, before = values.get(kpi.code), previous.get(kpi.code)
        if now and before and now.status and before.status and now.status != before.status:
            crossed.append(AlertItem(
                _("%(kpi)s: %(before)s → %(now)s (%(value)s; target %(target)s)") % {
                    "kpi": kpi.name, "before": fmt.status_label(before.status), "now": fmt.status_label(now.status),
                    "value": fmt.format_kpi_value(kpi, now.value), "target": fmt.format_kpi_value(kpi, now.target),
                },
                _kpi_url(kpi, scope, period),
            ))
    sections.append(AlertSection("crossed", _("KPIs that crossed their target"), crossed, 0, resolved_url(resolved)))

    slow_kpi = next((k for k in HEADLINE_KPIS if k.code == SLOW_MOVING), None)
    slow = []
    if slow_kpi is not None:
        for dealer_id, kvs in sorted(by_dealer.items(), key=lambda item: dealers[item[0]].code):
            kv = kvs.get(SLOW_MOVING)
            target = kv.target if kv and kv.target is not None else slow_kpi.target
            if kv and kv.value is not None and target is not None and kv.value > target:
                slow.append(AlertItem(
                    _("%(dealer)s: slow-moving stock %(value)s of inventory (threshold %(target)s)") % {
                        "dealer": dealers[dealer_id].name, "value": fmt.format_kpi_value(slow_kpi, kv.value),
                        "target": fmt.format_kpi_value(slow_kpi, target),
                    },
                    _dealer_url(dealer_id),
                ))
    sections.append(AlertSection("slow_moving", _("Slow-moving stock above threshold"), slow, 0,
                                 _kpi_url(slow_kpi, scope, period) if slow_kpi else resolved_url(resolved)))

    certifications = certifications_expiring(
        dealer_ids=scope_dealer_ids(user=user, scope=scope, record=Record.TECHNICIAN), as_of=as_of_date
    )
    sections.append(AlertSection(
        "certifications", _("Certifications expiring within 30 days"),
        [AlertItem(_("%(technician)s (%(dealer)s): %(type)s expires on %(date)s") % {
            "technician": c.technician.name, "dealer": c.technician.dealer.name, "type": c.type.name,
            "date": fmt.format_day(c.expires_on)}, portal_url("training:technician_detail", args=(c.technician_id,)))
         for c in certifications.items],
        certifications.total - len(certifications.items), portal_url("training:certification_list"),
    ))

    complaints = complaints_overdue(
        dealer_ids=scope_dealer_ids(user=user, scope=scope, record=Record.COMPLAINT), as_of=as_of
    )
    sections.append(AlertSection(
        "complaints", _("Complaints open for more than 48 hours"),
        [AlertItem(_("%(dealer)s: %(category)s complaint (%(severity)s) opened %(opened)s, open %(hours)s h") % {
            "dealer": c.dealer.name, "category": c.get_category_display(), "severity": c.get_severity_display(),
            "opened": _local(c.opened_at, tz), "hours": _hours_open(c.opened_at, as_of)},
            portal_url("workorders:complaint_detail", args=(c.pk,))) for c in complaints.items],
        complaints.total - len(complaints.items), portal_url("workorders:complaint_list"),
    ))

    orders = urgent_parts_orders_overdue(
        dealer_ids=scope_dealer_ids(user=user, scope=scope, record=Record.PARTS_ORDER), as_of=as_of
    )
    sections.append(AlertSection(
        "parts_orders", _("Urgent parts orders open for more than 48 hours"),
        [AlertItem(_("%(dealer)s: urgent order %(number)s placed %(ordered)s, open %(hours)s h") % {
            "dealer": o.dealer.name, "number": o.number, "ordered": _local(o.ordered_at, tz),
            "hours": _hours_open(o.ordered_at, as_of)},
            portal_url("parts:order_detail", args=(o.pk,))) for o in orders.items],
        orders.total - len(orders.items), portal_url("parts:order_list"),
    ))
    return [section for section in sections if section.items]


def resolved_url(resolved: ResolvedScope) -> str:
    if resolved.dealer is not None:
        return _dealer_url(resolved.dealer.pk)
    return portal_url("home")


def build_digest(
    *, user, scope: DigestScope, period: Period, language: str, unsubscribe_url: str = ""
) -> Digest:
    """Everything one digest says, for one user, scope and period, in `language`.

    Raises PermissionDenied when the user may not see the scope (dealers.policy decides), so no caller
    can build a digest about dealers the reader may not see.
    """
    resolved = scope_resolve(scope=scope)
    if resolved is None or not scope_is_visible(user=user, scope=scope):
        raise PermissionDenied(f"user {user.pk} may not get a digest about {scope.key}")
    dealer_ids = scope_dealer_ids(user=user, scope=scope, record=Record.KPI)
    codes = [kpi.code for kpi in HEADLINE_KPIS]
    before = previous_period(period)
    trend_start, trend_end, bucket = trend_window(period)
    values = kpi_selectors.kpi_values(dealer_ids=dealer_ids, start=period.start, end=period.end, codes=codes, compare=True)
    previous = kpi_selectors.kpi_values(dealer_ids=dealer_ids, start=before.start, end=before.end, codes=codes, compare=False)
    series = kpi_selectors.kpi_series(dealer_ids=dealer_ids, start=trend_start, end=trend_end, codes=codes, by=bucket)
    by_dealer = kpi_selectors.kpi_by_dealer(dealer_ids=dealer_ids, start=period.start, end=period.end, codes=codes)
    dealers = dealers_by_id(dealer_ids=by_dealer.keys())

    with translation.override(language):
        scope_label = resolved.label
        period_text = fmt.format_period(period)
        # Translators: the subject line of a KPI digest e-mail. In Chinese write it as
        # "【%(frequency)s】%(scope)s %(period)s 售后 KPI", e.g. "【周报】华东区 2026-11-16 – 2026-11-22 售后 KPI".
        subject = _("%(frequency)s KPI digest · %(scope)s · %(period)s") % {
            "frequency": FREQUENCY_SUBJECT_LABEL[period.frequency], "scope": scope_label, "period": period_text,
        }
        digest = Digest(
            user_id=user.pk, scope=scope, scope_label=scope_label, frequency=period.frequency, period=period,
            period_text=period_text, language=language, subject=subject, dealer_ids=dealer_ids,
            headline=_headline(values, series, scope, period),
            rankings=_rankings(by_dealer, dealers) if scope.kind != ScopeKind.DEALER else [],
            outliers=_outliers(by_dealer, dealers, values) if scope.kind != ScopeKind.DEALER else [],
            alerts=_alerts(user=user, resolved=resolved, period=period, values=values, previous=previous,
                           by_dealer=by_dealer, dealers=dealers),
            portal_url=portal_url("home"),
            manage_url=portal_url("digests:subscription_list"),
            unsubscribe_url=unsubscribe_url,
        )
    return digest


def render_digest(digest: Digest) -> RenderedDigest:
    """Subject, plain text and HTML of a built digest, in its language."""
    context = {"digest": digest, "bar_max": BAR_MAX_PX}
    with translation.override(digest.language):
        text = render_to_string("digests/email/digest.txt", context)
        html = render_to_string("digests/email/digest.html", context)
    return RenderedDigest(digest.subject, text, html)
