"""Every filter of the workshop's FilterSets applies (HTML lists and the API share them)."""

import pytest
from django.test import RequestFactory

from tests.workorders.factories import (
    ComplaintFactory,
    CustomerFactory,
    SurveyFactory,
    VehicleFactory,
    WorkOrderFactory,
)
from workorders.filtersets import (
    ComplaintFilterSet,
    CustomerFilterSet,
    SurveyFilterSet,
    VehicleFilterSet,
    WorkOrderFilterSet,
)
from workorders.models import Complaint, Customer, Survey, Vehicle, WorkOrder

SAMPLES = {
    "q": "abc", "status": ["booked"], "type": "repair", "channel": "walk_in", "opened_after": "2025-01-01",
    "opened_before": "2030-01-01", "open": "true", "overdue": "false", "comeback": "true", "kind": "fleet",
    "vip": "true", "powertrain": "BEV", "nev": "true", "brand": "x", "model_year": "2022", "state": "resolved",
    "severity": ["high"], "category": "price", "escalated": "true", "group": "detractor", "csi_below": "80",
    "answered_after": "2025-01-01", "answered_before": "2030-01-01",
}


@pytest.mark.parametrize(
    ("filterset_class", "model", "factory"),
    [
        (WorkOrderFilterSet, WorkOrder, WorkOrderFactory),
        (CustomerFilterSet, Customer, CustomerFactory),
        (VehicleFilterSet, Vehicle, VehicleFactory),
        (ComplaintFilterSet, Complaint, ComplaintFactory),
        (SurveyFilterSet, Survey, SurveyFactory),
    ],
)
def test_each_filter_applies_alone(filterset_class, model, factory, dealer, advisor):
    factory()
    request = RequestFactory().get("/")
    request.user = advisor
    names = [name for name in filterset_class.base_filters if name != "dealer"]
    assert set(names) <= set(SAMPLES), set(names) - set(SAMPLES)
    samples = {**SAMPLES, "channel": "phone"} if filterset_class is ComplaintFilterSet else SAMPLES
    for name in names:
        filterset = filterset_class({name: samples[name]}, queryset=model.objects.all(), request=request)
        assert filterset.is_valid(), (name, filterset.errors)
        list(filterset.qs)  # runs the SQL
    filterset = filterset_class({"dealer": dealer.pk}, queryset=model.objects.all(), request=request)
    assert filterset.is_valid()


def test_nev_filter(dealer):
    bev = VehicleFactory(powertrain="BEV")
    VehicleFactory(powertrain="ICE")
    assert list(VehicleFilterSet({"nev": "true"}, queryset=Vehicle.objects.all()).qs) == [bev]
