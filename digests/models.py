from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import DeliveryStatus, DigestFrequency, ScopeKind
from .scopes import DigestScope


class Subscription(models.Model):
    """One user's wish to get one digest: how often, about what, in which language.

    Unsubscribing turns `active` off and keeps the row, so the defaults (digests.services.
    subscription_defaults_ensure) never bring back a digest the user turned off.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscriptions", verbose_name=_("user")
    )
    frequency = models.CharField(_("frequency"), max_length=8, choices=DigestFrequency.choices)
    scope_kind = models.CharField(_("scope"), max_length=8, choices=ScopeKind.choices)
    region = models.ForeignKey(
        "dealers.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="digest_subscriptions",
        verbose_name=_("region"),
    )
    city_tier = models.PositiveSmallIntegerField(_("city tier"), null=True, blank=True)
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.CASCADE, null=True, blank=True, related_name="digest_subscriptions",
        verbose_name=_("dealer"),
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    active = models.BooleanField(_("active"), default=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")
        ordering = ["user", "frequency", "scope_kind", "region", "city_tier", "dealer"]
        constraints = [
            # The scope's columns follow its kind: a region; a region and a tier; or a dealer.
            models.CheckConstraint(
                condition=Q(scope_kind=ScopeKind.REGION, region__isnull=False, city_tier__isnull=True, dealer__isnull=True)
                | Q(scope_kind=ScopeKind.TIER, region__isnull=False, city_tier__gte=1, city_tier__lte=4, dealer__isnull=True)
                | Q(scope_kind=ScopeKind.DEALER, region__isnull=True, city_tier__isnull=True, dealer__isnull=False),
                name="digestsub_scope_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "frequency", "region"], condition=Q(scope_kind=ScopeKind.REGION),
                name="digestsub_unique_region",
            ),
            models.UniqueConstraint(
                fields=["user", "frequency", "region", "city_tier"], condition=Q(scope_kind=ScopeKind.TIER),
                name="digestsub_unique_tier",
            ),
            models.UniqueConstraint(
                fields=["user", "frequency", "dealer"], condition=Q(scope_kind=ScopeKind.DEALER),
                name="digestsub_unique_dealer",
            ),
        ]
        indexes = [models.Index(fields=["active", "frequency"], name="digestsub_active_frequency")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_frequency_display()} · {self.scope.key}"

    @property
    def scope(self) -> DigestScope:
        return DigestScope(self.scope_kind, self.region_id, self.city_tier, self.dealer_id)


class DigestDelivery(models.Model):
    """The delivery log: one row per user, scope, frequency and period — the row is the claim.

    A sender inserts the row (status "sending") before it sends; the unique constraint makes a second
    insert fail, so re-runs and retries never send twice. The row survives the subscription (SET_NULL)
    so deleting and re-creating a subscription cannot send a period again.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries", verbose_name=_("user")
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries",
        verbose_name=_("subscription"),
    )
    scope_key = models.CharField(_("scope"), max_length=40)
    frequency = models.CharField(_("frequency"), max_length=8, choices=DigestFrequency.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    language = models.CharField(_("language"), max_length=10)
    recipient = models.EmailField(_("recipient"))
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.SENDING)
    # Fixed at the claim, so every attempt (and a resend after a crash) carries the same Message-ID.
    message_id = models.CharField(_("message ID"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed at"))
    attempt_started_at = models.DateTimeField(_("attempt started at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope_key", "frequency", "period_start", "period_end"],
                name="digestdelivery_once_per_user_scope_period",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="digestdelivery_period_order"),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.SENT) | Q(sent_at__isnull=False), name="digestdelivery_sent_has_time"
            ),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="digestdelivery_status_claimed")]

    def __str__(self) -> str:
        return f"{self.user} · {self.scope_key} · {self.frequency} {self.period_start}–{self.period_end} · {self.status}"
