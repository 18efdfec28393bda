"""Fixtures of the workshop tests: one dealer's staff, another dealer's advisor, a part in stock."""

import pytest
from django.test import Client
from django.utils import translation

from dealers.choices import Role
from tests.dealers.factories import make_user
from tests.parts.factories import PartFactory
from tests.training.factories import TechnicianFactory
from tests.workorders.pngs import png_bytes


@pytest.fixture(autouse=True)
def _english():
    """Assertions read English messages; the zh-hans catalogue must not change what the tests see."""
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    # LocaleMiddleware follows Accept-Language: the pages answer in English for the assertions.
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def advisor(dealer):
    return make_user(Role.SERVICE_ADVISOR, dealer=dealer, username="advisor")


@pytest.fixture
def service_manager(dealer):
    return make_user(Role.SERVICE_MANAGER, dealer=dealer, username="svcmanager")


@pytest.fixture
def parts_clerk(dealer):
    return make_user(Role.PARTS_CLERK, dealer=dealer, username="clerk")


@pytest.fixture
def technician_user(dealer):
    return make_user(Role.TECHNICIAN, dealer=dealer, username="tech")


@pytest.fixture
def technician(dealer, technician_user):
    return TechnicianFactory(dealer=dealer, user=technician_user, name="王师傅")


@pytest.fixture
def other_advisor(other_dealer):
    return make_user(Role.SERVICE_ADVISOR, dealer=other_dealer, username="otheradvisor")


@pytest.fixture
def part(db):
    return PartFactory(number="OF-1001", name="机油滤清器")


@pytest.fixture
def part_in_stock(dealer, part):
    from parts.services import stock_receive

    stock_receive(dealer=dealer, part=part, quantity=5)
    return part


@pytest.fixture
def signature_png() -> bytes:
    return png_bytes(300, 100)
