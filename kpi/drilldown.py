"""The records behind a KPI's number: selectors for the KPI page's "where does this come from" table.

Each KPI maps to the records its numerator or denominator counts over the period — for first-time-fix the
comebacks, for fill rate the parts lines not filled from stock, for 48 h resolution the late complaints,
for the others the delivered work orders / surveys / complaints / stock items that fit. A drill-down is a
lazy queryset (the view paginates it: one COUNT and one page query, relations joined, no N+1) plus a
function that turns one record into table cells with links to the record's own page.

Callers pass dealer ids already filtered by dealers.policy for the KPI; `drilldown_for` narrows them
further to the dealers whose records of that kind (work orders, surveys, stock …) the user may see.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    DateTimeField,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from dealers.policy import Record
from dealers.selectors import visible_dealer_ids
from kpi.definitions import KpiDefinition
from kpi.rollup.common import comeback_days as comeback_days_setting
from kpi.templatetags.kpi_format import format_cny, group_number
from parts.choices import MovementKind, PartsOrderKind, PartsOrderStatus
from parts.models import PartsOrder, Stock, StockMovement
from training.choices import HV_CERTIFICATION_CODE
from training.models import Certification, Technician
from workorders.choices import FIRST_TIME_FIX_TYPES, NEV_POWERTRAINS, Channel, WorkOrderStatus, WorkOrderType
from workorders.models import Complaint, PartsLine, Survey, WorkOrder

COMPLAINT_SLA = dt.timedelta(hours=48)
SLOW_MOVING_DAYS = 180
DEAD_STOCK_DAYS = 365
RETURNING_DAYS = 365
MONEY = DecimalField(max_digits=16, decimal_places=2)


# --- links ---------------------------------------------------------------------------------------


def record_url(viewname: str, admin_viewname: str, pk: int) -> str:
    """The record's page in the portal, or its admin page while that app has no page of its own."""
    try:
        return reverse(viewname, kwargs={"pk": pk})
    except NoReverseMatch:
        pass
    try:
        return reverse(admin_viewname, args=[pk])
    except NoReverseMatch:
        return ""


def work_order_url(pk: int) -> str:
    return record_url("workorders:workorder_detail", "admin:workorders_workorder_change", pk)


def complaint_url(pk: int) -> str:
    return record_url("workorders:complaint_detail", "admin:workorders_complaint_change", pk)


def survey_url(pk: int) -> str:
    return record_url("workorders:survey_detail", "admin:workorders_survey_change", pk)


def stock_url(pk: int) -> str:
    return record_url("parts:stock_detail", "admin:parts_stock_change", pk)


def parts_order_url(pk: int) -> str:
    return record_url("parts:order_detail", "admin:parts_partsorder_change", pk)


def technician_url(pk: int) -> str:
    return record_url("training:technician_detail", "admin:training_technician_change", pk)


# --- table cells ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""
    numeric: bool = False
    tone: str = ""  # "bad" marks what makes the number worse (late, overdue …)


@dataclass(frozen=True)
class RecordColumn:
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class DrillWindow:
    """The scope of a drill-down: dealers, calendar days [start, end] and the time zone they are days in."""

    dealer_ids: frozenset[int]
    start: dt.date
    end: dt.date
    tz: dt.tzinfo
    # Every dealer whose records of this kind the user may open: links to records elsewhere (a comeback at
    # another dealer of the region) are given only for these.
    linkable: frozenset[int] = frozenset()

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=self.tz)

    @property
    def until(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=self.tz)

    def between(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})


@dataclass(frozen=True)
class Drilldown:
    title: str
    explanation: str
    record: Record  # the kind of record listed: whose policy scope applies
    columns: Sequence[RecordColumn]
    queryset: QuerySet
    row: Callable[[Any], list[Cell]]


def _dt(value: dt.datetime | None) -> str:
    if value is None:
        return "–"
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _day(value: dt.date | None) -> str:
    return "–" if value is None else date_format(value, "SHORT_DATE_FORMAT")


def hours_text(delta: dt.timedelta | None) -> str:
    """A duration in hours, one decimal: "36.5 h" / "36.5 小时"."""
    if delta is None:
        return "–"
    hours = pgettext("unit", "h")
    return f"{group_number(Decimal(delta.total_seconds()) / 3600, 1)} {hours}"


def age_text(delta: dt.timedelta | None) -> str:
    """A compact age for the workshop board: minutes under an hour, hours under two days, then days."""
    if delta is None:
        return "–"
    # Translated outside the f-strings: makemessages does not look inside them.
    seconds = Decimal(abs(delta.total_seconds()))
    if seconds < 3600:
        minutes = pgettext("unit", "min")
        return f"{group_number(seconds / 60, 0)} {minutes}"
    if seconds < 48 * 3600:
        hours = pgettext("unit", "h")
        return f"{group_number(seconds / 3600, 1)} {hours}"
    days = pgettext("unit", "d")
    return f"{group_number(seconds / 86400, 1)} {days}"


_hours = hours_text


def _dealer_cell(dealer) -> Cell:
    return Cell(dealer.code, _dealer_url(dealer.pk))


def _dealer_url(pk: int) -> str:
    try:
        return reverse("dealers:dealer_detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


# --- work orders ---------------------------------------------------------------------------------

WO_COLUMNS = (
    RecordColumn(_("Work order")), RecordColumn(_("Dealer")), RecordColumn(_("Type")), RecordColumn(_("Vehicle")),
    RecordColumn(_("Opened")), RecordColumn(_("Delivered")), RecordColumn(_("Output value"), numeric=True),
)


def _delivered(window: DrillWindow) -> QuerySet:
    return (
        WorkOrder.objects.filter(dealer_id__in=window.dealer_ids, status=WorkOrderStatus.DELIVERED)
        .filter(window.between("delivered_at"))
        .select_related("dealer", "vehicle")
        .annotate(output=ExpressionWrapper(F("labour_amount") + F("parts_amount"), output_field=MONEY))
    )


def _opened(window: DrillWindow) -> QuerySet:
    return (
        WorkOrder.objects.filter(dealer_id__in=window.dealer_ids)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .filter(window.between("opened_at"))
        .select_related("dealer", "vehicle")
        .annotate(output=ExpressionWrapper(F("labour_amount") + F("parts_amount"), output_field=MONEY))
    )


def _wo_cells(wo) -> list[Cell]:
    return [
        Cell(wo.number, work_order_url(wo.pk)),
        _dealer_cell(wo.dealer),
        Cell(wo.get_type_display()),
        Cell(f"{wo.vehicle.plate or wo.vehicle.vin} · {wo.vehicle.get_powertrain_display()}"),
        Cell(_dt(wo.opened_at)),
        Cell(_dt(wo.delivered_at)),
        Cell(format_cny(wo.output), numeric=True),
    ]


def _wo_drill(title, explanation, queryset, extra: Sequence[tuple[RecordColumn, Callable[[Any], Cell]]] = ()):
    columns = (*WO_COLUMNS, *(column for column, _cell in extra))
    return Drilldown(
        str(title), str(explanation), Record.WORK_ORDER, columns, queryset,
        lambda wo: [*_wo_cells(wo), *(cell(wo) for _column, cell in extra)],
    )


def _cycle(wo) -> dt.timedelta | None:
    return wo.delivered_at - wo.opened_at if wo.delivered_at else None


def _first_time_fix(window: DrillWindow) -> Drilldown:
    # The roll-up's rule (kpi.rollup): a comeback opened no more than N calendar days (region time) after
    # the delivery, N = KPI_COMEBACK_DAYS.
    comeback_days = dt.timedelta(days=comeback_days_setting())
    outer_delivered = ExpressionWrapper(OuterRef("delivered_at"), output_field=DateTimeField())
    comebacks = (
        WorkOrder.objects.filter(comeback_of=OuterRef("pk"))
        .exclude(status=WorkOrderStatus.CANCELLED)
        .annotate(gap=ExpressionWrapper(
            TruncDate("opened_at", tzinfo=window.tz) - TruncDate(outer_delivered, tzinfo=window.tz),
            output_field=DurationField(),
        ))
        .filter(gap__lte=comeback_days)
        .order_by("opened_at")
    )
    queryset = (
        _delivered(window).filter(type__in=list(FIRST_TIME_FIX_TYPES)).filter(Exists(comebacks))
        .annotate(
            comeback_id=Subquery(comebacks.values("pk")[:1]),
            comeback_number=Subquery(comebacks.values("number")[:1]),
            comeback_dealer_id=Subquery(comebacks.values("dealer_id")[:1]),
            comeback_opened=Subquery(comebacks.values("opened_at")[:1]),
        )
        .order_by("-delivered_at", "-pk")
    )
    def comeback_cell(wo) -> Cell:
        # The comeback may be at another dealer of the region: name it, link it only where the user may look.
        url = work_order_url(wo.comeback_id) if wo.comeback_dealer_id in window.linkable else ""
        return Cell(wo.comeback_number or "–", url, tone="bad")

    return _wo_drill(
        _("Comebacks"),
        _("Repair and warranty work orders delivered in the period that came back within %(days)s days.")
        % {"days": comeback_days.days},
        queryset,
        ((RecordColumn(_("Comeback")), comeback_cell),
         (RecordColumn(_("Came back on")), lambda wo: Cell(_dt(wo.comeback_opened)))),
    )


def _on_time(window: DrillWindow) -> Drilldown:
    late = ExpressionWrapper(F("delivered_at") - F("promised_at"), output_field=DurationField())
    queryset = (_delivered(window).filter(promised_at__isnull=False, delivered_at__gt=F("promised_at"))
                .annotate(late_by=late).order_by("-late_by", "-pk"))
    return _wo_drill(
        _("Late deliveries"), _("Work orders delivered in the period after the promised time."), queryset,
        ((RecordColumn(_("Promised")), lambda wo: Cell(_dt(wo.promised_at))),
         (RecordColumn(_("Late by"), numeric=True), lambda wo: Cell(_hours(wo.late_by), numeric=True, tone="bad"))),
    )


def _cycle_hours(window: DrillWindow) -> Drilldown:
    cycle = ExpressionWrapper(F("delivered_at") - F("opened_at"), output_field=DurationField())
    queryset = _delivered(window).annotate(cycle=cycle).order_by("-cycle", "-pk")
    return _wo_drill(
        _("Work orders delivered"), _("Work orders delivered in the period, longest first."), queryset,
        ((RecordColumn(_("Cycle"), numeric=True), lambda wo: Cell(_hours(wo.cycle), numeric=True)),),
    )


def _gross_margin(window: DrillWindow) -> Drilldown:
    profit = ExpressionWrapper(
        F("labour_amount") + F("parts_amount") - F("parts_cost") - F("actual_hours") * F("dealer__labour_cost_rate"),
        output_field=MONEY,
    )
    queryset = _delivered(window).annotate(profit=profit).order_by("profit", "pk")
    return _wo_drill(
        _("Work orders delivered"), _("Work orders delivered in the period, lowest gross profit first."), queryset,
        ((RecordColumn(_("Gross profit"), numeric=True), lambda wo: Cell(format_cny(wo.profit), numeric=True)),),
    )


def _efficiency(window: DrillWindow) -> Drilldown:
    queryset = _delivered(window).filter(actual_hours__gt=0).order_by("-actual_hours", "pk")
    return _wo_drill(
        _("Work orders delivered"), _("Work orders delivered in the period with hours on their labour lines."),
        queryset,
        ((RecordColumn(_("Flat-rate hours"), numeric=True),
          lambda wo: Cell(group_number(wo.flat_rate_hours, 2), numeric=True)),
         (RecordColumn(_("Actual hours"), numeric=True),
          lambda wo: Cell(group_number(wo.actual_hours, 2), numeric=True))),
    )


def _returning(window: DrillWindow) -> Drilldown:
    earlier = WorkOrder.objects.filter(
        customer=OuterRef("customer"), status=WorkOrderStatus.DELIVERED, delivered_at__lt=OuterRef("delivered_at"),
        delivered_at__gte=OuterRef("delivered_at") - dt.timedelta(days=RETURNING_DAYS),
    )
    queryset = _delivered(window).filter(Exists(earlier)).order_by("-delivered_at", "-pk")
    return _wo_drill(
        _("Returning customers' work orders"),
        _("Work orders delivered in the period whose customer had another delivered in the previous 365 days."),
        queryset,
    )


def _plain_delivered(title, explanation, *, filter_q: Q | None = None, order: Sequence[str] = ("-delivered_at", "-pk")):
    def build(window: DrillWindow) -> Drilldown:
        queryset = _delivered(window)
        if filter_q is not None:
            queryset = queryset.filter(filter_q)
        return _wo_drill(title, explanation, queryset.order_by(*order))

    return build


def _opened_drill(title, explanation, filter_q: Q):
    def build(window: DrillWindow) -> Drilldown:
        return _wo_drill(title, explanation, _opened(window).filter(filter_q).order_by("-opened_at", "-pk"))

    return build


# --- surveys and complaints ----------------------------------------------------------------------

SURVEY_COLUMNS = (
    RecordColumn(_("Work order")), RecordColumn(_("Dealer")), RecordColumn(_("Answered")),
    RecordColumn(_("CSI"), numeric=True), RecordColumn(_("Would recommend (0–10)"), numeric=True),
)


def _surveys(order: Sequence[str], title, explanation):
    def build(window: DrillWindow) -> Drilldown:
        queryset = (Survey.objects.filter(dealer_id__in=window.dealer_ids).filter(window.between("answered_at"))
                    .exclude(work_order__status=WorkOrderStatus.CANCELLED).select_related("dealer", "work_order").order_by(*order))

        def row(survey) -> list[Cell]:
            return [
                Cell(survey.work_order.number, work_order_url(survey.work_order_id)),
                _dealer_cell(survey.dealer),
                Cell(_dt(survey.answered_at)),
                Cell(group_number(survey.csi, 1), survey_url(survey.pk), numeric=True),
                Cell(str(survey.recommend), numeric=True, tone="bad" if survey.recommend <= 6 else ""),
            ]

        return Drilldown(str(title), str(explanation), Record.SURVEY, SURVEY_COLUMNS, queryset, row)

    return build


COMPLAINT_COLUMNS = (
    RecordColumn(_("Complaint")), RecordColumn(_("Dealer")), RecordColumn(_("Category")), RecordColumn(_("Severity")),
    RecordColumn(_("Opened")), RecordColumn(_("Resolved")), RecordColumn(_("Closed")),
    RecordColumn(_("Time to resolve"), numeric=True),
)


def _complaint_row(complaint) -> list[Cell]:
    took = (complaint.resolved_at - complaint.opened_at) if complaint.resolved_at else None
    late = (took or (timezone.now() - complaint.opened_at)) > COMPLAINT_SLA
    return [
        Cell(f"#{complaint.pk}", complaint_url(complaint.pk)),
        _dealer_cell(complaint.dealer),
        Cell(complaint.get_category_display()),
        Cell(complaint.get_severity_display()),
        Cell(_dt(complaint.opened_at)),
        Cell(_dt(complaint.resolved_at) if complaint.resolved_at else gettext("open")),
        Cell(_dt(complaint.closed_at)),
        Cell(_hours(took) if took is not None else gettext("not resolved"), numeric=True, tone="bad" if late else ""),
    ]


def _complaints(field: str, title, explanation, *, filter_q: Q | None = None, order: Sequence[str] | None = None):
    def build(window: DrillWindow) -> Drilldown:
        queryset = (Complaint.objects.filter(dealer_id__in=window.dealer_ids).filter(window.between(field))
                    .select_related("dealer"))
        if filter_q is not None:
            queryset = queryset.filter(filter_q)
        queryset = queryset.order_by(*(order or (f"-{field}", "-pk")))
        return Drilldown(str(title), str(explanation), Record.COMPLAINT, COMPLAINT_COLUMNS, queryset, _complaint_row)

    return build


# Not resolved within 48 h: unresolved (and the clock has run out, or is still running), or resolved late.
LATE_COMPLAINT = Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("opened_at") + COMPLAINT_SLA)


# --- parts ---------------------------------------------------------------------------------------


def _fill_rate(window: DrillWindow) -> Drilldown:
    stock = Stock.objects.filter(dealer_id=OuterRef("work_order__dealer_id"), part_id=OuterRef("part_id"))
    queryset = (
        PartsLine.objects.filter(work_order__dealer_id__in=window.dealer_ids, filled_from_stock=False)
        .exclude(work_order__status=WorkOrderStatus.CANCELLED)
        .filter(window.between("requested_at"))
        .select_related("work_order__dealer", "part")
        .annotate(stock_id=Subquery(stock.values("pk")[:1]))
        .order_by("-requested_at", "-pk")
    )
    columns = (RecordColumn(_("Work order")), RecordColumn(_("Dealer")), RecordColumn(_("Part")),
               RecordColumn(_("Quantity"), numeric=True), RecordColumn(_("Requested")))

    def row(line) -> list[Cell]:
        return [
            Cell(line.work_order.number, work_order_url(line.work_order_id)),
            _dealer_cell(line.work_order.dealer),
            Cell(f"{line.part.number} {line.part.name}", stock_url(line.stock_id) if line.stock_id else ""),
            Cell(group_number(line.quantity), numeric=True),
            Cell(_dt(line.requested_at)),
        ]

    return Drilldown(str(_("Parts lines not filled from stock")),
                     str(_("Parts lines requested in the period that the dealer's stock could not cover.")),
                     Record.WORK_ORDER, columns, queryset, row)


def _last_issue():
    return Subquery(
        StockMovement.objects.filter(dealer_id=OuterRef("dealer_id"), part_id=OuterRef("part_id"), kind=MovementKind.ISSUE)
        .order_by("-at").values("at")[:1]
    )


STOCK_COLUMNS = (
    RecordColumn(_("Part")), RecordColumn(_("Dealer")), RecordColumn(_("On hand"), numeric=True),
    RecordColumn(_("Value at cost"), numeric=True), RecordColumn(_("Last issued")),
)


def _stock_row(stock) -> list[Cell]:
    return [
        Cell(f"{stock.part.number} {stock.part.name}", stock_url(stock.pk)),
        _dealer_cell(stock.dealer),
        Cell(group_number(stock.on_hand), numeric=True),
        Cell(format_cny(stock.value), numeric=True),
        Cell(_dt(stock.last_issue) if stock.last_issue else gettext("never")),
    ]


def _stock_items(window: DrillWindow) -> QuerySet:
    return (
        Stock.objects.filter(dealer_id__in=window.dealer_ids, on_hand__gt=0)
        .select_related("dealer", "part")
        .annotate(value=ExpressionWrapper(F("on_hand") * F("part__cost"), output_field=MONEY), last_issue=_last_issue())
    )


def _idle_stock(days: int, title, explanation):
    def build(window: DrillWindow) -> Drilldown:
        cutoff = window.until - dt.timedelta(days=days)
        recent = StockMovement.objects.filter(
            dealer_id=OuterRef("dealer_id"), part_id=OuterRef("part_id"), kind=MovementKind.ISSUE,
            at__gte=cutoff, at__lt=window.until,
        )
        queryset = _stock_items(window).filter(~Exists(recent)).order_by("-value", "pk")
        return Drilldown(str(title), str(explanation) % {"days": days, "day": _day(window.end)},
                         Record.STOCK, STOCK_COLUMNS, queryset, _stock_row)

    return build


def _stock_value(window: DrillWindow) -> Drilldown:
    issued = (
        StockMovement.objects.filter(dealer_id=OuterRef("dealer_id"), part_id=OuterRef("part_id"),
                                     kind=MovementKind.ISSUE, at__gte=window.since, at__lt=window.until)
        .values("dealer_id").annotate(cost=Sum(-F("quantity") * F("unit_cost"), output_field=MONEY)).values("cost")
    )
    queryset = _stock_items(window).annotate(issued=Coalesce(Subquery(issued), Decimal(0), output_field=MONEY))
    queryset = queryset.order_by("-value", "pk")
    columns = (*STOCK_COLUMNS, RecordColumn(_("Cost issued in the period"), numeric=True))
    return Drilldown(str(_("Stock items")), str(_("Parts in stock now, by value, with the cost issued in the period.")),
                     Record.STOCK, columns, queryset,
                     lambda stock: [*_stock_row(stock), Cell(format_cny(stock.issued), numeric=True)])


def _urgent_orders(window: DrillWindow) -> Drilldown:
    lead = ExpressionWrapper(F("received_at") - F("ordered_at"), output_field=DurationField())
    queryset = (
        PartsOrder.objects.filter(dealer_id__in=window.dealer_ids, kind=PartsOrderKind.URGENT,
                                  status=PartsOrderStatus.RECEIVED)
        .filter(window.between("received_at")).select_related("dealer").annotate(lead=lead).order_by("-lead", "-pk")
    )
    columns = (RecordColumn(_("Parts order")), RecordColumn(_("Dealer")), RecordColumn(_("Ordered")),
               RecordColumn(_("Received")), RecordColumn(_("Lead time"), numeric=True))

    def row(order) -> list[Cell]:
        return [
            Cell(order.number, parts_order_url(order.pk)), _dealer_cell(order.dealer), Cell(_dt(order.ordered_at)),
            Cell(_dt(order.received_at)),
            Cell(_hours(order.lead), numeric=True, tone="bad" if order.lead and order.lead > COMPLAINT_SLA else ""),
        ]

    return Drilldown(str(_("Urgent parts orders received")),
                     str(_("Urgent parts orders received in the period, longest lead time first.")),
                     Record.PARTS_ORDER, columns, queryset, row)


# --- people --------------------------------------------------------------------------------------


def _hv_gap(window: DrillWindow) -> Drilldown:
    valid = Certification.objects.filter(
        technician=OuterRef("pk"), type__code=HV_CERTIFICATION_CODE, issued_on__lte=window.end, expires_on__gt=window.end
    )
    last_hv = Certification.objects.filter(technician=OuterRef("pk"), type__code=HV_CERTIFICATION_CODE).order_by("-expires_on")
    queryset = (
        Technician.objects.filter(dealer_id__in=window.dealer_ids, active=True)
        .filter(Q(hired_on__isnull=True) | Q(hired_on__lte=window.end), Q(left_on__isnull=True) | Q(left_on__gt=window.end))
        .filter(~Exists(valid)).select_related("dealer")
        .annotate(hv_expired=Subquery(last_hv.values("expires_on")[:1])).order_by("dealer__code", "employee_code")
    )
    columns = (RecordColumn(_("Technician")), RecordColumn(_("Dealer")), RecordColumn(_("Level")),
               RecordColumn(_("HV certification")))

    def row(tech) -> list[Cell]:
        state = (gettext("expired %(day)s") % {"day": _day(tech.hv_expired)}) if tech.hv_expired else gettext("never held")
        return [Cell(f"{tech.employee_code} {tech.name}", technician_url(tech.pk)), _dealer_cell(tech.dealer),
                Cell(tech.get_level_display()), Cell(state, tone="bad")]

    return Drilldown(str(_("Technicians without a valid HV certification")),
                     str(_("Active technicians who held no valid high-voltage certification on %(day)s."))
                     % {"day": _day(window.end)},
                     Record.TECHNICIAN, columns, queryset, row)


# --- the map -------------------------------------------------------------------------------------

_BUILDERS: dict[str, Callable[[DrillWindow], Drilldown]] = {
    "output_value": _plain_delivered(_("Work orders delivered"),
                                     _("Work orders delivered in the period, largest output value first."),
                                     order=("-output", "-pk")),
    "gross_margin": _gross_margin,
    "ro_count": _plain_delivered(_("Work orders delivered"), _("Work orders delivered in the period.")),
    "avg_cycle_hours": _cycle_hours,
    "on_time_rate": _on_time,
    "first_time_fix_rate": _first_time_fix,
    "csi": _surveys(("csi", "pk"), _("Surveys answered"), _("Surveys answered in the period, lowest CSI first.")),
    "nps": _surveys(("recommend", "pk"), _("Surveys answered"),
                    _("Surveys answered in the period, detractors (0–6) first.")),
    "complaint_rate": _complaints("opened_at", _("Complaints opened"), _("Complaints opened in the period.")),
    "complaint_48h_rate": _complaints(
        "opened_at", _("Complaints not resolved within 48 h"),
        _("Complaints opened in the period that were resolved late or are still unresolved."),
        filter_q=LATE_COMPLAINT, order=("opened_at", "pk"),
    ),
    "complaint_closure_hours": _complaints("closed_at", _("Complaints closed"),
                                           _("Complaints closed in the period.")),
    "escalation_count": _complaints("escalated_at", _("Complaints escalated to headquarters"),
                                    _("Complaints escalated to headquarters in the period."),
                                    filter_q=Q(escalated=True)),
    "fill_rate": _fill_rate,
    "parts_turnover": _stock_value,
    "days_of_supply": _stock_value,
    "slow_moving_share": _idle_stock(SLOW_MOVING_DAYS, _("Slow-moving stock"),
                                     _("Parts in stock with no issue in the %(days)s days up to %(day)s, by value.")),
    "dead_stock_share": _idle_stock(DEAD_STOCK_DAYS, _("Dead stock"),
                                    _("Parts in stock with no issue in the %(days)s days up to %(day)s, by value.")),
    "urgent_order_hours": _urgent_orders,
    "nev_share": _plain_delivered(_("NEV work orders delivered"),
                                  _("Work orders delivered in the period on new-energy vehicles."),
                                  filter_q=Q(vehicle__powertrain__in=list(NEV_POWERTRAINS))),
    "hv_cert_coverage": _hv_gap,
    "online_share": _opened_drill(_("Work orders from online bookings"),
                                  _("Work orders opened in the period from an online booking."),
                                  Q(channel=Channel.ONLINE)),
    "returning_share": _returning,
    "ext_warranty_rate": _opened_drill(_("Extended warranties sold"),
                                       _("Work orders opened in the period on which an extended warranty was sold."),
                                       Q(extended_warranty_sold=True)),
    "accident_share": _plain_delivered(_("Accident work orders delivered"),
                                       _("Accident and body & paint work orders delivered in the period."),
                                       filter_q=Q(type=WorkOrderType.ACCIDENT)),
    "labour_efficiency": _efficiency,
    "bay_utilisation": _efficiency,
}


def has_drilldown(kpi: KpiDefinition) -> bool:
    return kpi.code in _BUILDERS


def drilldown_for(
    *, kpi: KpiDefinition, user, dealer_ids: Collection[int], start: dt.date, end: dt.date,
    tz: dt.tzinfo | None = None,
) -> Drilldown:
    """The records behind `kpi` over [start, end] at `dealer_ids`, narrowed to what `user` may see of them."""
    builder = _BUILDERS[kpi.code]
    zone = tz or zoneinfo.ZoneInfo(settings.TIME_ZONE)
    # Building runs no query: build once to learn the kind of record listed, then narrow to what the
    # user may see of that kind (a parts clerk sees the CSI but not the surveys behind it).
    record = builder(DrillWindow(frozenset(dealer_ids), start, end, zone)).record
    linkable = visible_dealer_ids(user, record)
    return builder(DrillWindow(frozenset(dealer_ids) & linkable, start, end, zone, linkable))
