import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import (
    Channel,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintSeverity,
    CustomerKind,
    Gender,
    Powertrain,
    WorkOrderStatus,
    WorkOrderType,
)
from .querysets import (
    ComplaintQuerySet,
    CustomerQuerySet,
    PartsLineQuerySet,
    SurveyQuerySet,
    VehicleQuerySet,
    WorkOrderQuerySet,
)

MONEY = {"max_digits": 12, "decimal_places": 2}
HOURS = {"max_digits": 7, "decimal_places": 2}


def new_progress_token() -> str:
    # 32 bytes from the OS CSPRNG: the customer progress link must not be guessable.
    return secrets.token_urlsafe(32)


class Customer(models.Model):
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="customers", verbose_name=_("dealer")
    )
    external_id = models.CharField(_("external ID"), max_length=64, null=True, blank=True)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CustomerKind.choices, default=CustomerKind.INDIVIDUAL)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True, default="")
    vip = models.BooleanField(_("VIP"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    objects = CustomerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "external_id"],
                condition=Q(external_id__isnull=False),
                name="customer_external_id_unique_per_dealer",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # A customer's work orders are all its dealer's (WorkOrder.clean); moving the customer to another
        # dealer would leave them behind. Covers the admin (services never move a customer).
        if self.pk and self.dealer_id and (
            Customer.objects.filter(pk=self.pk).exclude(dealer_id=self.dealer_id).exists()
            and self.work_orders.exists()
        ):
            raise ValidationError({"dealer": _("A customer with work orders stays with their dealer.")})


class Vehicle(models.Model):
    vin = models.CharField(_("VIN"), max_length=17, unique=True)
    plate = models.CharField(_("plate"), max_length=16, blank=True, db_index=True)
    brand = models.CharField(_("brand"), max_length=50)
    model = models.CharField(_("model"), max_length=50)
    powertrain = models.CharField(_("powertrain"), max_length=4, choices=Powertrain.choices)
    model_year = models.PositiveSmallIntegerField(_("model year"))
    first_registered_on = models.DateField(_("first registered on"), null=True, blank=True)
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), default=0)
    owner = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="vehicles", verbose_name=_("owner")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    objects = VehicleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            models.CheckConstraint(condition=Q(model_year__gte=1990, model_year__lte=2100), name="vehicle_model_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.plate or self.vin} {self.brand} {self.model}"


class WorkOrder(models.Model):
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("dealer")
    )
    number = models.CharField(_("number"), max_length=32)
    external_id = models.CharField(_("external ID"), max_length=64, null=True, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=WorkOrderType.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.WALK_IN)
    status = models.CharField(
        _("status"), max_length=16, choices=WorkOrderStatus.choices, default=WorkOrderStatus.BOOKED
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("vehicle"))
    mileage_km = models.PositiveIntegerField(_("mileage at visit (km)"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    promised_at = models.DateTimeField(_("promised at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    service_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="advised_work_orders",
        verbose_name=_("service advisor"),
    )
    concern = models.TextField(_("concern"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    correction = models.TextField(_("correction"), blank=True)
    extended_warranty_sold = models.BooleanField(_("extended warranty sold"), default=False)
    comeback_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comebacks",
        verbose_name=_("comeback of"),
        db_index=False,  # workorder_comeback (Meta.indexes): the few work orders that are comebacks only
    )
    # Totals of the lines, kept by workorders.services whenever a line changes: the nightly KPI roll-up
    # reads them from this one table instead of joining tens of millions of lines.
    labour_amount = models.DecimalField(_("labour amount"), default=0, **MONEY)
    parts_amount = models.DecimalField(_("parts amount"), default=0, **MONEY)
    parts_cost = models.DecimalField(_("parts cost"), default=0, **MONEY)
    flat_rate_hours = models.DecimalField(_("flat-rate hours"), default=0, **HOURS)
    actual_hours = models.DecimalField(_("actual hours"), default=0, **HOURS)
    quality_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quality_checked_work_orders",
        verbose_name=_("quality checked by"),
    )
    quality_checked_at = models.DateTimeField(_("quality checked at"), null=True, blank=True)
    signature = models.FileField(_("customer signature"), upload_to="signatures/%Y/%m/", blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    progress_token = models.CharField(
        _("progress link token"), max_length=64, unique=True, default=new_progress_token, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    objects = WorkOrderQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "number"], name="workorder_number_unique_per_dealer"),
            models.UniqueConstraint(
                fields=["dealer", "external_id"],
                condition=Q(external_id__isnull=False),
                name="workorder_external_id_unique_per_dealer",
            ),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(delivered_at__gte=F("opened_at")),
                name="workorder_delivered_not_before_opened",
            ),
            models.CheckConstraint(
                condition=Q(promised_at__isnull=True) | Q(promised_at__gte=F("opened_at")),
                name="workorder_promised_not_before_opened",
            ),
            models.CheckConstraint(
                condition=~Q(status=WorkOrderStatus.DELIVERED) | Q(delivered_at__isnull=False),
                name="workorder_delivered_has_time",
            ),
            models.CheckConstraint(
                condition=Q(labour_amount__gte=0, parts_amount__gte=0, parts_cost__gte=0),
                name="workorder_amounts_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(flat_rate_hours__gte=0, actual_hours__gte=0), name="workorder_hours_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(comeback_of__isnull=True) | ~Q(comeback_of=F("id")), name="workorder_not_own_comeback"
            ),
        ]
        indexes = [
            # The KPI roll-up reads work orders per dealer by delivery day and by opening day.
            models.Index(fields=["dealer", "delivered_at"], name="workorder_dealer_delivered"),
            models.Index(fields=["dealer", "opened_at"], name="workorder_dealer_opened"),
            models.Index(fields=["delivered_at"], name="workorder_delivered"),
            models.Index(fields=["dealer", "status"], name="workorder_dealer_status"),
            models.Index(fields=["vehicle", "opened_at"], name="workorder_vehicle_opened"),
            # DMS incremental sync pages a dealer's work orders by last change (updated_after).
            models.Index(fields=["dealer", "updated_at", "id"], name="workorder_dealer_updated"),
            # The roll-up leaves out what belongs to a cancelled work order (surveys, parts lines): a few
            # per cent of the table, read from this small index instead of a scan of all of it.
            models.Index(fields=["id"], condition=Q(status=WorkOrderStatus.CANCELLED), name="workorder_cancelled"),
            # A work order's comebacks (the KPI roll-up's first-time fix, the cascade of SET_NULL), from the
            # index alone: the roll-up reads every comeback's opening time and status, and fetching them
            # from the table cost a random page read each (3.4 s per half of a rebuild at ten million).
            models.Index(
                fields=["comeback_of"], include=["opened_at", "status"], condition=Q(comeback_of__isnull=False),
                name="workorder_comeback",
            ),
            # A customer's deliveries in time order, from the index alone: the KPI roll-up finds each
            # delivery's previous one (returning customers) by a window over it, with no sort.
            models.Index(
                fields=["dealer", "customer", "delivered_at"], condition=Q(status=WorkOrderStatus.DELIVERED),
                name="workorder_customer_delivered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}"

    def clean(self) -> None:
        # Services, forms and the ingest API refuse both too; this covers the admin. The KPI roll-up counts
        # a returning customer among the dealer's own work orders (kpi.rollup.common), and its parts lines
        # by the dealer copied onto them (PartsLine.dealer).
        errors: dict[str, str] = {}
        if self.customer_id and self.dealer_id and self.customer.dealer_id != self.dealer_id:
            errors["customer"] = _("The customer belongs to another dealer.")
        if self.pk and self.dealer_id and (
            WorkOrder.objects.filter(pk=self.pk).exclude(dealer_id=self.dealer_id).exists()
        ):
            errors["dealer"] = _("A work order stays with the dealer that opened it.")
        if errors:
            raise ValidationError(errors)

    @property
    def output_value(self):
        return self.labour_amount + self.parts_amount


class WorkOrderStatusChange(models.Model):
    """The lifecycle's history: each status a work order entered, when and by whom."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("work order")
    )
    status = models.CharField(_("status"), max_length=16, choices=WorkOrderStatus.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("by")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["work_order", "at"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "at"], name="statuschange_one_status_per_time"),
        ]

    def __str__(self) -> str:
        return f"{self.work_order} → {self.status} @ {self.at:%Y-%m-%d %H:%M}"


class LabourLine(models.Model):
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="labour_lines", verbose_name=_("work order")
    )
    op_code = models.CharField(_("operation code"), max_length=32)
    description = models.CharField(_("description"), max_length=200, blank=True)
    flat_rate_hours = models.DecimalField(_("flat-rate hours"), **HOURS)
    actual_hours = models.DecimalField(_("actual hours"), default=0, **HOURS)
    technician = models.ForeignKey(
        "training.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="labour_lines",
        verbose_name=_("technician"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("labour line")
        verbose_name_plural = _("labour lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(flat_rate_hours__gte=0, actual_hours__gte=0, amount__gte=0), name="labourline_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.op_code} {self.description}"


class PartsLine(models.Model):
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="parts_lines", verbose_name=_("work order")
    )
    # The work order's dealer, copied when the line is written (save() fills it; bulk writers pass it): the
    # KPI roll-up counts a dealer's parts lines by day without joining every line to its work order. A
    # work order never changes dealer (WorkOrder.clean), so the copy cannot go stale.
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="+", editable=False, db_index=False,
        verbose_name=_("dealer"),
    )
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, related_name="parts_lines", verbose_name=_("part"))
    quantity = models.PositiveIntegerField(_("quantity"))
    returned_quantity = models.PositiveIntegerField(_("returned quantity"), default=0)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    unit_cost = models.DecimalField(_("unit cost"), **MONEY)
    # Whether the dealer's stock covered the line when it was requested; the fill rate counts these.
    filled_from_stock = models.BooleanField(_("filled from stock"), default=False)
    requested_at = models.DateTimeField(_("requested at"))
    objects = PartsLineQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parts line")
        verbose_name_plural = _("parts lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="partsline_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(returned_quantity__lte=F("quantity")), name="partsline_returned_lte_quantity"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0, unit_cost__gte=0), name="partsline_money_gte_0"),
        ]
        indexes = [
            models.Index(fields=["requested_at"], name="partsline_requested"),
            # Covering: the KPI roll-up counts a dealer's lines by day, filled or not, leaving out cancelled
            # work orders, from the index alone (a rebuild reads half the table's lines per statement).
            models.Index(
                fields=["dealer", "requested_at"], include=["filled_from_stock", "work_order"],
                name="partsline_dealer_requested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} × {self.quantity}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.dealer_id is None:
            self.dealer_id = self.work_order.dealer_id
        super().save(*args, **kwargs)


# The survey's CSI is the weighted mean of its dimension scores (glossary: csi). Weights sum to 1.
CSI_WEIGHTS = {
    "attitude_score": "0.25",
    "price_transparency_score": "0.20",
    "on_time_score": "0.20",
    "quality_score": "0.25",
    "facility_score": "0.10",
}


def _csi_expression():
    from decimal import Decimal

    from django.db.models import ExpressionWrapper, Value

    expression = None
    for field, weight in CSI_WEIGHTS.items():
        term = F(field) * Value(Decimal(weight))
        expression = term if expression is None else expression + term
    return ExpressionWrapper(expression, output_field=models.DecimalField(max_digits=6, decimal_places=3))


class Survey(models.Model):
    work_order = models.OneToOneField(
        WorkOrder, on_delete=models.CASCADE, related_name="survey", verbose_name=_("work order")
    )
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="surveys", verbose_name=_("dealer"),
        db_index=False,
    )
    external_id = models.CharField(_("external ID"), max_length=64, null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"))
    attitude_score = models.PositiveSmallIntegerField(_("service attitude"))
    price_transparency_score = models.PositiveSmallIntegerField(_("price transparency"))
    on_time_score = models.PositiveSmallIntegerField(_("on-time delivery"))
    quality_score = models.PositiveSmallIntegerField(_("repair quality"))
    facility_score = models.PositiveSmallIntegerField(_("facility and comfort"))
    recommend = models.PositiveSmallIntegerField(_("would recommend (0–10)"))
    csi = models.GeneratedField(
        expression=_csi_expression(),
        output_field=models.DecimalField(max_digits=6, decimal_places=3),
        db_persist=True,
        verbose_name=_("CSI"),
    )
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    objects = SurveyQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["csi"])

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    attitude_score__lte=100,
                    price_transparency_score__lte=100,
                    on_time_score__lte=100,
                    quality_score__lte=100,
                    facility_score__lte=100,
                ),
                name="survey_scores_0_100",
            ),
            models.CheckConstraint(condition=Q(recommend__lte=10), name="survey_recommend_0_10"),
            models.UniqueConstraint(
                fields=["dealer", "external_id"],
                condition=Q(external_id__isnull=False),
                name="survey_external_id_unique_per_dealer",
            ),
        ]
        indexes = [
            # The KPI roll-up counts each dealer-day's surveys from this index alone (it also serves the
            # dealer's foreign key, which has no index of its own).
            models.Index(
                fields=["dealer", "answered_at"], include=["csi", "recommend", "work_order"],
                name="survey_dealer_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} CSI"


class Complaint(models.Model):
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("dealer")
    )
    external_id = models.CharField(_("external ID"), max_length=64, null=True, blank=True)
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints", verbose_name=_("work order")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ComplaintChannel.choices)
    category = models.CharField(_("category"), max_length=16, choices=ComplaintCategory.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=ComplaintSeverity.choices)
    description = models.TextField(_("description"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated = models.BooleanField(_("escalated to headquarters"), default=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    objects = ComplaintQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True) | Q(first_response_at__gte=F("opened_at")),
                name="complaint_response_not_before_opened",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("opened_at")),
                name="complaint_resolved_not_before_opened",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="complaint_closed_not_before_opened",
            ),
            models.CheckConstraint(
                condition=Q(escalated=False) | Q(escalated_at__isnull=False), name="complaint_escalated_has_time"
            ),
            models.UniqueConstraint(
                fields=["dealer", "external_id"],
                condition=Q(external_id__isnull=False),
                name="complaint_external_id_unique_per_dealer",
            ),
        ]
        indexes = [models.Index(fields=["dealer", "opened_at"], name="complaint_dealer_opened")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.opened_at:%Y-%m-%d}"
