import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import MovementKind, PartCategory, PartsOrderKind, PartsOrderStatus, TransferStatus

MONEY = {"max_digits": 12, "decimal_places": 2}


class Part(models.Model):
    number = models.CharField(_("part number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=PartCategory.choices)
    is_nev = models.BooleanField(_("NEV part"), default=False)
    cost = models.DecimalField(_("cost"), **MONEY)
    price = models.DecimalField(_("price"), **MONEY)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0, price__gte=0), name="part_money_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Stock(models.Model):
    """One part at one dealer. `on_hand` always equals the sum of this pair's ledger movements."""

    dealer = models.ForeignKey("dealers.Dealer", on_delete=models.PROTECT, related_name="stocks", verbose_name=_("dealer"))
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stocks", verbose_name=_("part"))
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    reorder_point = models.IntegerField(_("reorder point"), default=0)
    maximum = models.IntegerField(_("maximum"), default=0)
    bin = models.CharField(_("bin"), max_length=32, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["dealer", "part"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "part"], name="stock_unique_dealer_part"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_gte_0"),
            models.CheckConstraint(condition=Q(reorder_point__gte=0, maximum__gte=0), name="stock_levels_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.dealer_id}/{self.part_id}: {self.on_hand}"


class StockTransfer(models.Model):
    """Goods sent from one dealer to another: out of the sender's stock at once, in at receipt."""

    from_dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("from dealer")
    )
    to_dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("to dealer")
    )
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("part"))
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost"), **MONEY)
    status = models.CharField(_("status"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.IN_TRANSIT)
    shipped_at = models.DateTimeField(_("shipped at"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    reference = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stock transfer")
        verbose_name_plural = _("stock transfers")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_quantity_gt_0"),
            models.CheckConstraint(condition=~Q(from_dealer=F("to_dealer")), name="transfer_between_two_dealers"),
            models.CheckConstraint(
                condition=Q(received_at__isnull=True) | Q(received_at__gte=F("shipped_at")),
                name="transfer_received_not_before_shipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} × {self.quantity}: {self.from_dealer_id} → {self.to_dealer_id}"


class PartsOrder(models.Model):
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="parts_orders", verbose_name=_("dealer")
    )
    number = models.CharField(_("number"), max_length=32)
    external_id = models.CharField(_("external ID"), max_length=64, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=PartsOrderKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=PartsOrderStatus.choices, default=PartsOrderStatus.ORDERED
    )
    ordered_at = models.DateTimeField(_("ordered at"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parts_orders",
        verbose_name=_("for work order"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parts order")
        verbose_name_plural = _("parts orders")
        ordering = ["-ordered_at"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "number"], name="partsorder_number_unique_per_dealer"),
            models.UniqueConstraint(
                fields=["dealer", "external_id"],
                condition=Q(external_id__isnull=False),
                name="partsorder_external_id_unique_per_dealer",
            ),
            models.CheckConstraint(
                condition=Q(received_at__isnull=True) | Q(received_at__gte=F("ordered_at")),
                name="partsorder_received_not_before_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status=PartsOrderStatus.RECEIVED) | Q(received_at__isnull=False),
                name="partsorder_received_has_time",
            ),
        ]
        indexes = [models.Index(fields=["dealer", "received_at"], name="partsorder_dealer_received")]

    def __str__(self) -> str:
        return self.number


class PartsOrderLine(models.Model):
    order = models.ForeignKey(PartsOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("part"))
    quantity = models.PositiveIntegerField(_("quantity"))
    received_quantity = models.PositiveIntegerField(_("received quantity"), default=0)
    unit_cost = models.DecimalField(_("unit cost"), **MONEY)

    class Meta:
        verbose_name = _("parts order line")
        verbose_name_plural = _("parts order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="partsorderline_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="partsorderline_cost_gte_0"),
            models.UniqueConstraint(fields=["order", "part"], name="partsorderline_unique_part"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} × {self.quantity}"


class StockMovement(models.Model):
    """The stock ledger: append-only; the sign of `quantity` follows the kind."""

    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="stock_movements", verbose_name=_("dealer")
    )
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements", verbose_name=_("part"))
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost"), **MONEY)
    at = models.DateTimeField(_("at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    parts_line = models.ForeignKey(
        "workorders.PartsLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("parts line"),
    )
    parts_order = models.ForeignKey(
        PartsOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="movements", verbose_name=_("parts order")
    )
    transfer = models.ForeignKey(
        StockTransfer, on_delete=models.PROTECT, null=True, blank=True, related_name="movements", verbose_name=_("transfer")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("created by")
    )
    external_id = models.CharField(_("external ID"), max_length=64, null=True, blank=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=["receipt", "return", "transfer_in"], quantity__gt=0))
                | (Q(kind__in=["issue", "transfer_out"], quantity__lt=0))
                | (Q(kind="adjustment") & ~Q(quantity=0)),
                name="movement_sign_follows_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | ~Q(reason=""), name="movement_adjustment_has_reason"
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="movement_unit_cost_gte_0"),
            models.UniqueConstraint(
                fields=["dealer", "external_id"],
                condition=Q(external_id__isnull=False),
                name="movement_external_id_unique_per_dealer",
            ),
        ]
        indexes = [
            # Covering (quantity, kind): the KPI roll-up reads a dealer's ledger part by part in time order
            # from this index alone, so its running balances need no sort of the ledger.
            models.Index(fields=["dealer", "part", "at"], include=["quantity", "kind"], name="movement_dealer_part_at"),
            # Covering (part, quantity, kind): the KPI roll-up sums each dealer-day's range of the ledger
            # from this index alone; a dealer's issues in a period (slow movers, drill-down) read it too.
            models.Index(fields=["dealer", "at"], include=["part", "quantity", "kind"], name="movement_dealer_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} {self.part_id}"


