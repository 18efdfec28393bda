from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import CityTier, DealerKind, Role


class Region(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Dealer(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="dealers", verbose_name=_("region"))
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=DealerKind.choices)
    city = models.CharField(_("city"), max_length=64)
    city_tier = models.PositiveSmallIntegerField(_("city tier"), choices=CityTier.choices)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    bays = models.PositiveSmallIntegerField(_("bays"), default=0)
    opens_at = models.TimeField(_("opens at"), default="08:30")
    closes_at = models.TimeField(_("closes at"), default="18:00")
    labour_cost_rate = models.DecimalField(
        _("labour cost rate (CNY/h)"), max_digits=8, decimal_places=2, default=0
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dealer")
        verbose_name_plural = _("dealers")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(city_tier__gte=1, city_tier__lte=4), name="dealer_city_tier_1_4"),
            models.CheckConstraint(condition=Q(labour_cost_rate__gte=0), name="dealer_labour_cost_rate_gte_0"),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="dealer_closes_after_opens"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def opening_hours(self) -> float:
        """Hours open per day; bays × opening hours is the workshop's daily capacity."""
        seconds = lambda t: t.hour * 3600 + t.minute * 60 + t.second  # noqa: E731
        return (seconds(self.closes_at) - seconds(self.opens_at)) / 3600


class Membership(models.Model):
    """A user's place in the organisation: a region role, or a role at one dealer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("region")
    )
    dealer = models.ForeignKey(
        Dealer, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("dealer")
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # Region roles hang on a region, dealer roles on a dealer: never both, never neither.
            models.CheckConstraint(
                condition=(Q(role=Role.REGIONAL_MANAGER, region__isnull=False, dealer__isnull=True))
                | (~Q(role=Role.REGIONAL_MANAGER) & Q(region__isnull=True, dealer__isnull=False)),
                name="membership_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"], condition=Q(region__isnull=False), name="membership_unique_region"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "dealer"], condition=Q(dealer__isnull=False), name="membership_unique_dealer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.dealer or self.region}"


class ApiTokenScope(models.TextChoices):
    DEALERS = "dealers", _("Listed dealers")
    REGION = "region", _("Whole region")


class ApiTokenAccess(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class ApiToken(models.Model):
    """A DMS client's credential for the integration API (aftersales.api.authentication).

    Only the SHA-256 of the secret is stored; the raw token (`<prefix>.<secret>`) is shown once, when an
    admin issues it. The prefix is not secret: it identifies the token in lists and security logs.
    """

    name = models.CharField(_("client name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("key hash (SHA-256)"), max_length=64, unique=True, editable=False)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("region")
    )
    scope = models.CharField(_("scope"), max_length=16, choices=ApiTokenScope.choices, default=ApiTokenScope.DEALERS)
    dealers = models.ManyToManyField(
        Dealer, blank=True, related_name="api_tokens", verbose_name=_("dealers"),
        help_text=_("The dealers a dealer-scoped token reaches; ignored for a region-wide token."),
    )
    access = models.CharField(_("access"), max_length=16, choices=ApiTokenAccess.choices, default=ApiTokenAccess.READ)
    # The token's service account: never logs in (unusable password, no memberships); it is who the
    # audit history and status changes name when the DMS writes.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="api_token_account",
        editable=False, verbose_name=_("service account"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def read_write(self) -> bool:
        return self.access == ApiTokenAccess.READ_WRITE


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key`, replayed for 24 h to the same client."""

    client = models.CharField(_("client"), max_length=64)  # "token:<id>" or "user:<id>"
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=500)
    request_hash = models.CharField(_("request hash"), max_length=64)
    # Null while the first request is still running: a concurrent retry gets 409 instead of a second write.
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_body = models.TextField(_("response body"), blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_unique_client_key")]

    def __str__(self) -> str:
        return f"{self.client} {self.key}"


class ApiTask(models.Model):
    """A background task queued through the API, remembered with its creator: only they may read its state."""

    task_id = models.CharField(_("task id"), max_length=64, unique=True)
    name = models.CharField(_("task"), max_length=100)
    client = models.CharField(_("client"), max_length=64)  # same form as IdempotencyRecord.client
    arguments = models.JSONField(_("arguments"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Filled when the task ran in-process (no broker) and its outcome was known at once.
    state = models.CharField(_("state"), max_length=16, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)

    class Meta:
        verbose_name = _("API task")
        verbose_name_plural = _("API tasks")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} {self.task_id}"
