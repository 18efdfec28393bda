"""Every filter of the parts and training filtersets runs (on SQLite and PostgreSQL) and the lists offer the
filters the workbench needs (netbox's test_missing_filters idea, reduced to the fields we promise)."""

import datetime as dt

import django_filters as filters
import pytest
from django.test import RequestFactory

from dealers.choices import Role
from parts import selectors as parts_selectors
from parts.filtersets import (
    PartFilterSet,
    PartsOrderFilterSet,
    StockFilterSet,
    StockMovementFilterSet,
    StockTransferFilterSet,
)
from tests.dealers.factories import make_user
from tests.parts.factories import PartFactory, StockFactory
from tests.training.factories import CertificationFactory
from training import selectors as training_selectors
from training.filtersets import CertificationFilterSet, TechnicianFilterSet

pytestmark = pytest.mark.django_db

PROMISED = {
    StockFilterSet: {"q", "dealer", "category", "below_reorder_point", "slow_moving"},
    PartFilterSet: {"q", "category", "is_nev", "active"},
    StockMovementFilterSet: {"dealer", "kind", "part", "at_from", "at_to"},
    StockTransferFilterSet: {"status", "dealer", "part"},
    PartsOrderFilterSet: {"q", "dealer", "kind", "status", "ordered_from", "ordered_to"},
    TechnicianFilterSet: {"q", "dealer", "level", "active"},
    CertificationFilterSet: {"dealer", "type", "expiring_within", "expired"},
}


@pytest.mark.parametrize("filterset_class", list(PROMISED), ids=lambda c: c.__name__)
def test_filterset_offers_the_promised_filters(filterset_class):
    assert PROMISED[filterset_class] <= set(filterset_class.base_filters)


def _sample(name, flt, dealer, extra):
    if name in extra:
        return extra[name]
    if isinstance(flt, filters.BooleanFilter):
        return "true"
    if isinstance(flt, filters.ModelChoiceFilter):
        return str(dealer.pk)
    if isinstance(flt, filters.ChoiceFilter):
        return str(flt.extra["choices"][0][0])
    if isinstance(flt, filters.DateFilter):
        return dt.date(2026, 1, 1).isoformat()
    if isinstance(flt, filters.NumberFilter):
        return "30"
    return "a"


@pytest.mark.parametrize("filterset_class", list(PROMISED), ids=lambda c: c.__name__)
def test_every_filter_runs(filterset_class, dealer):
    cert = CertificationFactory(technician__dealer=dealer)
    StockFactory(dealer=dealer, part=PartFactory())
    user = make_user(Role.SERVICE_MANAGER, dealer=dealer)
    request = RequestFactory().get("/")
    request.user = user
    querysets = {
        StockFilterSet: parts_selectors.stock_list(user=user),
        PartFilterSet: parts_selectors.part_list(user=user),
        StockMovementFilterSet: parts_selectors.movement_list(user=user),
        StockTransferFilterSet: parts_selectors.transfer_list(user=user),
        PartsOrderFilterSet: parts_selectors.parts_order_list(user=user),
        TechnicianFilterSet: training_selectors.technician_list(user=user),
        CertificationFilterSet: training_selectors.certification_list(user=user),
    }
    extra = {"type": str(cert.type_id)}
    for name, flt in filterset_class.base_filters.items():
        data = {name: _sample(name, flt, dealer, extra)}
        filterset = filterset_class(data, queryset=querysets[filterset_class], request=request)
        assert filterset.is_valid(), (name, filterset.errors)
        list(filterset.qs)
