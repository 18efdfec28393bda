"""Who may see and change what: the one place that answers it.

Every selector, view, form, export, API endpoint and digest asks this module which dealers a user may
see or change for a kind of record, and filters by the answer. Nothing else decides scope.

Roles (dealers.choices.Role):
- regional manager: reads everything of the dealers in their region(s); writes dealers and KPI targets.
- dealer service manager: reads and writes every kind of record of their own dealer.
- service advisor: work orders, customers, complaints and surveys of their dealer; reads its stock.
- parts clerk: parts catalogue, stock, stock movements and parts orders of their dealer; reads its work orders.
- technician: reads their dealer's work orders; changes only the labour lines assigned to them.
Superusers see and change everything.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .choices import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


class Record(StrEnum):
    DEALER = "dealer"
    KPI = "kpi"
    KPI_TARGET = "kpi_target"
    WORK_ORDER = "work_order"
    CUSTOMER = "customer"
    COMPLAINT = "complaint"
    SURVEY = "survey"
    LABOUR_LINE = "labour_line"
    PART = "part"  # the region-wide catalogue
    STOCK = "stock"  # stock, stock movements, transfers
    PARTS_ORDER = "parts_order"
    TECHNICIAN = "technician"  # technicians, certifications, attendance


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"


_ALL = frozenset(Record)
_WORKSHOP = frozenset({Record.WORK_ORDER, Record.CUSTOMER, Record.COMPLAINT, Record.SURVEY, Record.LABOUR_LINE})
_PARTS = frozenset({Record.PART, Record.STOCK, Record.PARTS_ORDER})

# role → action → kinds of record
_MATRIX: dict[str, dict[Action, frozenset[Record]]] = {
    Role.REGIONAL_MANAGER: {Action.VIEW: _ALL, Action.CHANGE: frozenset({Record.DEALER, Record.KPI_TARGET, Record.PART})},
    Role.SERVICE_MANAGER: {Action.VIEW: _ALL, Action.CHANGE: _ALL - {Record.DEALER, Record.KPI_TARGET}},
    Role.SERVICE_ADVISOR: {
        Action.VIEW: _WORKSHOP | {Record.DEALER, Record.KPI, Record.STOCK, Record.PART, Record.TECHNICIAN},
        Action.CHANGE: _WORKSHOP,
    },
    Role.PARTS_CLERK: {
        Action.VIEW: _PARTS | {Record.DEALER, Record.KPI, Record.WORK_ORDER},
        Action.CHANGE: _PARTS,
    },
    Role.TECHNICIAN: {
        Action.VIEW: frozenset({Record.DEALER, Record.WORK_ORDER, Record.LABOUR_LINE, Record.TECHNICIAN}),
        Action.CHANGE: frozenset({Record.LABOUR_LINE}),
    },
}

_CACHE_ATTR = "_aftersales_policy_memberships"
_IDS_CACHE_ATTR = "_aftersales_policy_dealer_ids"


def _memberships(user: User) -> list[tuple[str, int | None, int | None]]:
    """(role, region_id, dealer_id) of the user, memoised on the user object for the request."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(user.memberships.values_list("role", "region_id", "dealer_id"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: User) -> None:
    """Drop the memoised memberships (after a membership changes within one request or test)."""
    for attr in (_CACHE_ATTR, _IDS_CACHE_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def dealer_ids(user: User, record: Record = Record.DEALER, action: Action = Action.VIEW) -> frozenset[int]:
    """The ids of the dealers whose `record`s the user may `action`. Empty for anonymous users."""
    from .models import Dealer

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    # Memoised on the user object, i.e. for one request: pages ask for several kinds of record.
    memo: dict[tuple[Record, Action], frozenset[int]] = user.__dict__.setdefault(_IDS_CACHE_ATTR, {})
    if (record, action) in memo:
        return memo[(record, action)]
    if user.is_superuser:
        memo[(record, action)] = frozenset(Dealer.objects.values_list("id", flat=True))
        return memo[(record, action)]
    ids: set[int] = set()
    region_ids: set[int] = set()
    for role, region_id, dealer_id in _memberships(user):
        if record not in _MATRIX.get(role, {}).get(action, ()):
            continue
        if region_id is not None:
            region_ids.add(region_id)
        if dealer_id is not None:
            ids.add(dealer_id)
    if region_ids:
        ids.update(Dealer.objects.filter(region_id__in=region_ids).values_list("id", flat=True))
    memo[(record, action)] = frozenset(ids)
    return memo[(record, action)]


def region_ids(user: User) -> frozenset[int]:
    """Regions the user sees as a whole (regional managers; superusers see every region)."""
    from .models import Region

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Region.objects.values_list("id", flat=True))
    return frozenset(r for role, r, _d in _memberships(user) if role == Role.REGIONAL_MANAGER and r is not None)


def is_region_user(user: User) -> bool:
    return bool(region_ids(user))


def roles(user: User) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(role for role, _r, _d in _memberships(user))


def home_dealer_id(user: User) -> int | None:
    """The dealer a dealer-staff user lands on; None for region users and users without a dealer."""
    if is_region_user(user):
        return None
    dealers = sorted(d for _role, _r, d in _memberships(user) if d is not None) if user.is_authenticated else []
    return dealers[0] if dealers else None


def can(user: User, action: Action, record: Record, dealer_id: int | None) -> bool:
    """May the user `action` a `record` of this dealer? (dealer_id None: region-wide records like the catalogue.)"""
    if dealer_id is None:
        if getattr(user, "is_superuser", False):
            return True
        return any(record in _MATRIX.get(role, {}).get(action, ()) for role in roles(user))
    return dealer_id in dealer_ids(user, record, action)


def scope(
    queryset: QuerySet,
    user: User,
    record: Record,
    action: Action = Action.VIEW,
    dealer_field: str = "dealer",
) -> QuerySet:
    """`queryset` narrowed to the dealers the user may `action` for `record` (by `dealer_field`)."""
    ids = dealer_ids(user, record, action)
    if dealer_field == "id":
        return queryset.filter(id__in=ids)
    return queryset.filter(**{f"{dealer_field}__in": ids})


def labour_lines_scope(queryset: QuerySet, user: User, action: Action = Action.VIEW) -> QuerySet:
    """Labour lines the user may see/change: technicians only their own lines, others by dealer."""
    queryset = scope(queryset, user, Record.LABOUR_LINE, action, dealer_field="work_order__dealer")
    if getattr(user, "is_superuser", False):
        return queryset
    user_roles = roles(user)
    if user_roles and user_roles <= {Role.TECHNICIAN}:
        queryset = queryset.filter(technician__user=user)
    return queryset
