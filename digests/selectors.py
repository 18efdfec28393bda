"""Reads of the digests app: which scopes a user may subscribe to, which digests are due, alert lists.

Scope is a security boundary: every dealer id a digest shows passes through dealers.policy, per kind of
record (KPIs, complaints, parts orders, technicians), at the time the digest is built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers import policy
from dealers.choices import CityTier
from dealers.models import Dealer, Region
from dealers.policy import Record

from .choices import DeliveryStatus, ScopeKind
from .models import DigestDelivery, Subscription
from .periods import Period, is_due, local_today, period_for
from .scopes import DigestScope

# The 48-hour clocks of the alerts: complaints (glossary: complaint_48h_rate) and urgent parts orders.
OVERDUE_AFTER = dt.timedelta(hours=48)
CERTIFICATION_WARNING_DAYS = 30


@dataclass(frozen=True)
class ResolvedScope:
    scope: DigestScope
    region: Region
    dealer: Dealer | None

    @property
    def timezone(self) -> str:
        return self.region.timezone

    @property
    def label(self) -> str:
        """The scope as a reader says it (call inside translation.override for the tier's words)."""
        if self.scope.kind == ScopeKind.DEALER:
            return self.dealer.name
        if self.scope.kind == ScopeKind.TIER:
            return _("%(region)s · %(tier)s cities") % {
                "region": self.region.name, "tier": CityTier(self.scope.city_tier).label,
            }
        return self.region.name


def scope_resolve(*, scope: DigestScope) -> ResolvedScope | None:
    """The region/dealer rows behind a scope; None when they no longer exist."""
    if scope.kind == ScopeKind.DEALER:
        dealer = Dealer.objects.select_related("region").filter(pk=scope.dealer_id).first()
        return ResolvedScope(scope, dealer.region, dealer) if dealer else None
    region = Region.objects.filter(pk=scope.region_id).first()
    return ResolvedScope(scope, region, None) if region else None


def scope_is_visible(*, user, scope: DigestScope) -> bool:
    """May the user get a digest about this scope? Region and tier digests are for users who see the
    region as a whole (regional managers, superusers); a dealer digest for users who see its KPIs."""
    if scope.kind in (ScopeKind.REGION, ScopeKind.TIER):
        return scope.region_id in policy.region_ids(user)
    return scope.dealer_id in policy.dealer_ids(user, Record.KPI)


def scope_dealer_ids(*, user, scope: DigestScope, record: Record = Record.KPI) -> frozenset[int]:
    """The dealers of the scope whose `record`s the user may see — empty when the scope is not theirs."""
    if not scope_is_visible(user=user, scope=scope):
        return frozenset()
    allowed = policy.dealer_ids(user, record)
    if scope.kind == ScopeKind.DEALER:
        return allowed & {scope.dealer_id}
    dealers = Dealer.objects.filter(region_id=scope.region_id)
    if scope.kind == ScopeKind.TIER:
        dealers = dealers.filter(city_tier=scope.city_tier)
    return allowed & frozenset(dealers.values_list("id", flat=True))


def scope_options(*, user) -> list[tuple[DigestScope, str]]:
    """Every scope the user may subscribe to, labelled, regions first."""
    options: list[tuple[DigestScope, str]] = []
    region_ids = policy.region_ids(user)
    regions = Region.objects.filter(id__in=region_ids).order_by("code")
    tiers = set(
        Dealer.objects.filter(region_id__in=region_ids).values_list("region_id", "city_tier").distinct()
    )
    for region in regions:
        options.append((DigestScope.region(region.id), region.name))
        for tier in CityTier:
            if (region.id, tier.value) in tiers:
                scope = DigestScope.tier(region.id, tier.value)
                options.append((scope, ResolvedScope(scope, region, None).label))
    dealer_ids = policy.dealer_ids(user, Record.KPI)
    for dealer in Dealer.objects.filter(id__in=dealer_ids).order_by("code"):
        options.append((DigestScope.dealer(dealer.id), f"{dealer.code} {dealer.name}"))
    return options


def subscription_list(*, user) -> QuerySet[Subscription]:
    return Subscription.objects.filter(user=user).select_related("region", "dealer", "dealer__region")


def delivery_list(*, user, limit: int = 20) -> list[DigestDelivery]:
    return list(DigestDelivery.objects.filter(user=user).order_by("-claimed_at")[:limit])


# ---- what is due ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDigest:
    subscription: Subscription
    period: Period
    today: dt.date  # the send date in the region's time zone


def _scope_timezone(subscription: Subscription) -> str:
    region = subscription.dealer.region if subscription.dealer_id else subscription.region
    return region.timezone


def due_digests(
    *,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    frequencies: Collection[str] | None = None,
    usernames: Collection[str] | None = None,
) -> list[DueDigest]:
    """Active subscriptions of active users with an e-mail whose digest is due today (region time),
    with the period each covers. `today` overrides the date for every region (catch-up runs)."""
    now = now or timezone.now()
    subscriptions = (
        Subscription.objects.filter(active=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "region", "dealer", "dealer__region")
        .order_by("user_id", "id")
    )
    if frequencies:
        subscriptions = subscriptions.filter(frequency__in=list(frequencies))
    if usernames:
        subscriptions = subscriptions.filter(user__username__in=list(usernames))
    due = []
    for subscription in subscriptions:
        day = today or local_today(now, _scope_timezone(subscription))
        if is_due(subscription.frequency, day):
            due.append(DueDigest(subscription, period_for(subscription.frequency, day), day))
    return due


def delivery_for(*, user_id: int, scope_key: str, frequency: str, period: Period) -> DigestDelivery | None:
    return DigestDelivery.objects.filter(
        user_id=user_id, scope_key=scope_key, frequency=frequency, period_start=period.start, period_end=period.end
    ).first()


def deliveries_failed(*, since: dt.datetime) -> QuerySet[DigestDelivery]:
    return DigestDelivery.objects.filter(status=DeliveryStatus.FAILED, claimed_at__gte=since)


def users_with_memberships() -> QuerySet:
    """Active users who hold a role somewhere (the ones digest defaults are made for)."""
    return get_user_model().objects.filter(is_active=True, memberships__isnull=False).distinct()


# ---- alerts (point in time: as of 00:00 of the send date, so a retry or a preview says the same) -----


@dataclass(frozen=True)
class AlertList:
    items: list
    total: int


def _limited(queryset: QuerySet, limit: int) -> AlertList:
    items = list(queryset[:limit])
    total = len(items) if len(items) < limit else queryset.count()
    return AlertList(items, total)


def complaints_overdue(*, dealer_ids: Iterable[int], as_of: dt.datetime, limit: int = 10) -> AlertList:
    """Complaints open at `as_of` that were opened more than 48 h before it."""
    from workorders.models import Complaint

    queryset = (
        Complaint.objects.filter(dealer_id__in=list(dealer_ids), opened_at__lt=as_of - OVERDUE_AFTER)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=as_of))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=as_of))
        .select_related("dealer")
        .order_by("opened_at", "id")
    )
    return _limited(queryset, limit)


def urgent_parts_orders_overdue(*, dealer_ids: Iterable[int], as_of: dt.datetime, limit: int = 10) -> AlertList:
    """Urgent parts orders not received at `as_of` that were ordered more than 48 h before it."""
    from parts.choices import PartsOrderKind, PartsOrderStatus
    from parts.models import PartsOrder

    queryset = (
        PartsOrder.objects.filter(
            dealer_id__in=list(dealer_ids), kind=PartsOrderKind.URGENT, ordered_at__lt=as_of - OVERDUE_AFTER
        )
        .exclude(status=PartsOrderStatus.CANCELLED)
        .filter(Q(received_at__isnull=True) | Q(received_at__gt=as_of))
        .select_related("dealer")
        .order_by("ordered_at", "id")
    )
    return _limited(queryset, limit)


def certifications_expiring(
    *, dealer_ids: Iterable[int], as_of: dt.date, days: int = CERTIFICATION_WARNING_DAYS, limit: int = 10
) -> AlertList:
    """Certifications of active technicians that expire within `days` of `as_of`, unless the technician
    already holds a renewal of the same type that runs past the window."""
    from training.models import Certification

    horizon = as_of + dt.timedelta(days=days)
    renewed = Certification.objects.filter(
        technician=OuterRef("technician"), type=OuterRef("type"), issued_on__lte=horizon, expires_on__gt=horizon
    )
    queryset = (
        Certification.objects.filter(
            technician__dealer_id__in=list(dealer_ids), technician__active=True,
            expires_on__gte=as_of, expires_on__lte=horizon,
        )
        .filter(~Exists(renewed))
        .select_related("technician", "technician__dealer", "type")
        .order_by("expires_on", "id")
    )
    return _limited(queryset, limit)


def dealers_by_id(*, dealer_ids: Iterable[int]) -> dict[int, Dealer]:
    return {d.id: d for d in Dealer.objects.filter(id__in=list(dealer_ids))}
