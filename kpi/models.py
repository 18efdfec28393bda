from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .definitions import KPI_BY_CODE, TargetKind
from .querysets import DealerDayFactQuerySet

MONEY = {"max_digits": 16, "decimal_places": 2, "default": 0}
HOURS = {"max_digits": 14, "decimal_places": 2, "default": 0}


class DealerDayFact(models.Model):
    """The measures of one dealer on one calendar day (region time zone).

    Every KPI in kpi.definitions is Σ(its numerator measures) / Σ(its denominator measure) over any set of
    these rows, so a region's or a period's value is never an average of averages. Rows are rebuilt by
    kpi.services.kpi_rollup, which replaces a dealer-day range as a whole (idempotent).
    """

    # Derived rows, written only by the roll-up for the dealers it reads from dealers_dealer; deleting a
    # dealer deletes them through Django's CASCADE. Without a database constraint a rebuild's commit does
    # not check its 146,000 rows one by one (a twentieth of the rebuild), and fact_unique_dealer_day
    # serves the lookups by dealer, so the column has no index of its own either.
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.CASCADE, related_name="day_facts", verbose_name=_("dealer"),
        db_constraint=False, db_index=False,
    )
    day = models.DateField(_("day"))
    # Work orders delivered on the day.
    delivered_count = models.IntegerField(_("work orders delivered"), default=0)
    output_value = models.DecimalField(_("output value"), **MONEY)
    gross_profit = models.DecimalField(_("gross profit"), **MONEY)
    cycle_hours = models.DecimalField(_("hours opened → delivered"), **HOURS)
    promised_count = models.IntegerField(_("delivered with a promise"), default=0)
    on_time_count = models.IntegerField(_("delivered on time"), default=0)
    ftf_eligible = models.IntegerField(_("repair and warranty work orders delivered"), default=0)
    ftf_ok = models.IntegerField(_("… with no comeback"), default=0)
    nev_count = models.IntegerField(_("NEV work orders delivered"), default=0)
    returning_count = models.IntegerField(_("returning customers' work orders delivered"), default=0)
    accident_count = models.IntegerField(_("accident work orders delivered"), default=0)
    flat_rate_hours = models.DecimalField(_("flat-rate hours sold"), **HOURS)
    actual_hours = models.DecimalField(_("actual labour hours"), **HOURS)
    capacity_hours = models.DecimalField(_("bay capacity hours"), **HOURS)
    # Work orders opened on the day.
    opened_count = models.IntegerField(_("work orders opened"), default=0)
    online_opened = models.IntegerField(_("opened from online booking"), default=0)
    ext_eligible = models.IntegerField(_("eligible for extended warranty"), default=0)
    ext_sold = models.IntegerField(_("extended warranty sold"), default=0)
    # Surveys answered on the day.
    survey_count = models.IntegerField(_("surveys answered"), default=0)
    csi_sum = models.DecimalField(_("Σ survey CSI"), max_digits=16, decimal_places=3, default=0)
    promoters = models.IntegerField(_("promoters"), default=0)
    detractors = models.IntegerField(_("detractors"), default=0)
    # Complaints.
    complaints_opened = models.IntegerField(_("complaints opened"), default=0)
    complaints_resolved_48h = models.IntegerField(_("complaints resolved within 48 h"), default=0)
    complaints_closed = models.IntegerField(_("complaints closed"), default=0)
    closure_hours = models.DecimalField(_("hours opened → closed"), **HOURS)
    escalated_count = models.IntegerField(_("complaints escalated"), default=0)
    # Parts.
    parts_lines_requested = models.IntegerField(_("parts lines requested"), default=0)
    parts_lines_filled = models.IntegerField(_("parts lines filled from stock"), default=0)
    issue_cost = models.DecimalField(_("cost of parts issued"), **MONEY)
    issue_cost_90d = models.DecimalField(_("cost of parts issued, trailing 90 days"), **MONEY)
    inventory_value = models.DecimalField(_("inventory value"), **MONEY)
    slow_moving_value = models.DecimalField(_("slow-moving value (180 days)"), **MONEY)
    dead_stock_value = models.DecimalField(_("dead stock value (365 days)"), **MONEY)
    urgent_received = models.IntegerField(_("urgent orders received"), default=0)
    urgent_hours = models.DecimalField(_("hours ordered → received, urgent"), **HOURS)
    # People, as of the day.
    technicians_active = models.IntegerField(_("active technicians"), default=0)
    technicians_hv = models.IntegerField(_("technicians with valid HV certification"), default=0)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    objects = DealerDayFactQuerySet.as_manager()

    class Meta:
        verbose_name = _("dealer-day fact")
        verbose_name_plural = _("dealer-day facts")
        ordering = ["-day", "dealer"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "day"], name="fact_unique_dealer_day"),
        ]
        indexes = [models.Index(fields=["day", "dealer"], name="fact_day_dealer")]

    def __str__(self) -> str:
        return f"{self.dealer_id} {self.day}"


class KpiTarget(models.Model):
    """A target that overrides a KPI's default: for a region, or a dealer, optionally for one month.

    Output-value budgets are per dealer and month. The most specific row wins: dealer+month, dealer,
    region+month, region, then the definition's default.
    """

    kpi = models.CharField(_("KPI"), max_length=40)
    region = models.ForeignKey(
        "dealers.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="kpi_targets", verbose_name=_("region")
    )
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.CASCADE, null=True, blank=True, related_name="kpi_targets", verbose_name=_("dealer")
    )
    month = models.DateField(_("month (first day)"), null=True, blank=True)
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=4)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False, dealer__isnull=True) | Q(region__isnull=True, dealer__isnull=False),
                name="kpitarget_region_xor_dealer",
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__day=1), name="kpitarget_month_first_day"
            ),
            models.UniqueConstraint(
                fields=["kpi", "region", "month"], condition=Q(region__isnull=False, month__isnull=False),
                name="kpitarget_unique_region_month",
            ),
            models.UniqueConstraint(
                fields=["kpi", "region"], condition=Q(region__isnull=False, month__isnull=True),
                name="kpitarget_unique_region",
            ),
            models.UniqueConstraint(
                fields=["kpi", "dealer", "month"], condition=Q(dealer__isnull=False, month__isnull=False),
                name="kpitarget_unique_dealer_month",
            ),
            models.UniqueConstraint(
                fields=["kpi", "dealer"], condition=Q(dealer__isnull=False, month__isnull=True),
                name="kpitarget_unique_dealer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.dealer or self.region} {self.month or ''} = {self.value}"

    def clean(self) -> None:
        """A target must name a KPI that takes one, and output-value budgets belong to a dealer."""
        kpi = KPI_BY_CODE.get(self.kpi)
        if kpi is None:
            raise ValidationError({"kpi": _("Unknown KPI “%(code)s”.") % {"code": self.kpi}})
        if kpi.target_kind is TargetKind.NONE:
            raise ValidationError({"kpi": _("%(kpi)s has no target.") % {"kpi": kpi.name}})
        if kpi.target_kind is TargetKind.BUDGET and self.dealer_id is None:
            raise ValidationError({"dealer": _("Output-value budgets are set per dealer.")})
        if self.month is not None and self.month.day != 1:
            raise ValidationError({"month": _("The month is given by its first day.")})


class StockCheckpoint(models.Model):
    """The stock ledger of one dealer summed to the end of one local day, kept by the PostgreSQL roll-up.

    A roll-up of a short window starts from the newest valid checkpoint before it instead of re-reading
    the whole ledger. A checkpoint is valid while no ledger row newer than `through_movement` is dated on
    or before its day and no part changed since (issue costs are stored at cost). The ledger is
    append-only; rows edited or deleted in place need a rebuild without checkpoints (delete them).
    One row per dealer and day: the per-part state travels as JSON, so writing one costs one row, not one
    per stocked part.
    """

    dealer = models.ForeignKey("dealers.Dealer", on_delete=models.CASCADE, related_name="+", verbose_name=_("dealer"))
    day = models.DateField(_("day"))
    through_movement = models.BigIntegerField(_("last ledger row included"))
    parts_changed_at = models.DateTimeField(_("newest part change then"), null=True)
    # [[part id, balance, last issue day (ISO) if within 365 days or null], …]
    parts = models.JSONField(_("part balances"), default=list)
    # [[day (ISO), cost issued in cents], …] for the 89 days up to `day`, days with no issue left out
    issue_costs = models.JSONField(_("issue costs"), default=list)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("stock checkpoint")
        verbose_name_plural = _("stock checkpoints")
        constraints = [models.UniqueConstraint(fields=["dealer", "day"], name="stockcheckpoint_unique_dealer_day")]

    def __str__(self) -> str:
        return f"{self.dealer_id} {self.day}"


class RollupRun(models.Model):
    """One committed transaction of kpi.services.kpi_rollup: the facts of these days and dealers were rewritten.

    The dashboards' cache keys carry the newest run's id (kpi.dashboard_cache), so any roll-up, including one
    that rewrites existing rows in place, makes them read the facts again. The admin lists the runs: when
    the numbers were last rebuilt, and for which days.
    """

    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    dealers = models.PositiveIntegerField(_("dealers"))
    rows = models.PositiveIntegerField(_("rows written"))
    engine = models.CharField(_("engine"), max_length=16)
    finished_at = models.DateTimeField(_("finished at"), auto_now_add=True)

    class Meta:
        verbose_name = _("roll-up run")
        verbose_name_plural = _("roll-up runs")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.first_day} … {self.last_day} ({self.dealers})"
