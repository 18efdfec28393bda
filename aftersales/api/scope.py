"""One question for users and tokens alike: which dealers may this principal see or change, per record kind.

`dealers.policy` answers it for users (their memberships). An API token carries its own scope (one dealer,
several, or the whole region) and access (read or read-write); this adapter makes a token answer the same
`dealer_ids(principal, record, action)` so every viewset's queryset and every serializer's related-field
check calls one function, whoever is asking.

A token-authenticated request's `request.user` is the token's service account (a real user without
memberships, so `dealers.policy` alone would grant it nothing) with the token attached as `api_token`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from dealers import policy
from dealers.policy import Action, Record

if TYPE_CHECKING:
    from dealers.models import ApiToken

_CACHE_ATTR = "_aftersales_token_dealer_ids"


def token_of(principal: Any) -> ApiToken | None:
    return getattr(principal, "api_token", None)


def _token_base_dealer_ids(token: ApiToken) -> frozenset[int]:
    """The dealers in the token's scope, memoised on the token object for the request."""
    cached = getattr(token, _CACHE_ATTR, None)
    if cached is None:
        from dealers.models import ApiTokenScope, Dealer

        dealers = Dealer.objects.filter(region_id=token.region_id)
        if token.scope != ApiTokenScope.REGION:
            # A listed dealer outside the token's region is ignored: a token never spans regions.
            dealers = dealers.filter(api_tokens=token)
        cached = frozenset(dealers.values_list("id", flat=True))
        setattr(token, _CACHE_ATTR, cached)
    return cached


def _token_is_region(token: ApiToken) -> bool:
    from dealers.models import ApiTokenScope

    return token.scope == ApiTokenScope.REGION


def dealer_ids(principal: Any, record: Record = Record.DEALER, action: Action = Action.VIEW) -> frozenset[int]:
    """The ids of the dealers whose `record`s the principal (user or token) may `action`."""
    token = token_of(principal)
    if token is None:
        return policy.dealer_ids(principal, record, action)
    if action == Action.VIEW:
        return _token_base_dealer_ids(token)
    if not token.read_write or record == Record.DEALER:
        # Dealers' master data is kept in the portal; a DMS never writes it.
        return frozenset()
    if record == Record.KPI_TARGET and not _token_is_region(token):
        return frozenset()
    return _token_base_dealer_ids(token)


def region_ids(principal: Any) -> frozenset[int]:
    """Regions the principal sees as a whole: region roles, and region-wide tokens."""
    token = token_of(principal)
    if token is None:
        return policy.region_ids(principal)
    return frozenset({token.region_id}) if _token_is_region(token) else frozenset()


def writable_region_ids(principal: Any, record: Record) -> frozenset[int]:
    """Regions whose region-level `record`s (KPI targets of a region) the principal may change."""
    token = token_of(principal)
    if token is None:
        regions = policy.region_ids(principal)
        if not regions or not policy.can(principal, Action.CHANGE, record, None):
            return frozenset()
        return regions
    if not token.read_write:
        return frozenset()
    return region_ids(principal)


def can(principal: Any, action: Action, record: Record, dealer_id: int | None) -> bool:
    """May the principal `action` a `record` of this dealer? (None: region-wide records, the catalogue.)"""
    token = token_of(principal)
    if token is None:
        return policy.can(principal, action, record, dealer_id)
    if dealer_id is None:
        if action == Action.VIEW:
            return True
        # The catalogue is the region's: only a region-wide read-write token changes it.
        return token.read_write and _token_is_region(token)
    return dealer_id in dealer_ids(principal, record, action)


def scope(
    queryset: QuerySet,
    principal: Any,
    record: Record,
    action: Action = Action.VIEW,
    dealer_field: str = "dealer",
) -> QuerySet:
    """`queryset` narrowed to the dealers the principal may `action` for `record` (by `dealer_field`)."""
    ids = dealer_ids(principal, record, action)
    if dealer_field == "id":
        return queryset.filter(id__in=ids)
    return queryset.filter(**{f"{dealer_field}__in": ids})


def client_key(principal: Any) -> str:
    """Who is asking, for idempotency records, task ownership and throttling: the token, or the user."""
    token = token_of(principal)
    if token is not None:
        return f"token:{token.pk}"
    return f"user:{getattr(principal, 'pk', None)}"
