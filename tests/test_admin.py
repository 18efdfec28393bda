"""Every registered admin loads for a superuser: changelist, add page and one object's change page, in
English and in Simplified Chinese.

The objects come from a tiny demo region (4 dealers, 1 month) seeded once for the module inside a
transaction rolled back at the end, plus a row for the few models the seed does not fill.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from dealers.demo.generator import seed_region
from dealers.models import ApiToken, Dealer, Region
from digests.models import DigestDelivery, Subscription
from kpi.models import DealerDayFact, RollupRun
from parts.models import Part, StockTransfer

LANGUAGES = ("en", "zh-hans")
MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _axes_row(model) -> None:
    fields = {f.name for f in model._meta.concrete_fields}
    values = {"user_agent": "pytest", "ip_address": "127.0.0.1", "username": "someone", "http_accept": "*/*",
              "path_info": "/accounts/login/", "get_data": "", "post_data": "", "failures_since_start": 1}
    model.objects.create(**{k: v for k, v in values.items() if k in fields})


def _missing_rows() -> None:
    """One row for every registered model the seed left empty."""
    from django.contrib.auth import get_user_model

    region = Region.objects.get()
    dealer, other = Dealer.objects.order_by("code")[:2]
    manager = get_user_model().objects.get(username="manager")
    now = timezone.now()
    creators = {
        "auth.Group": lambda: Group.objects.create(name="区域运营"),
        "dealers.ApiToken": lambda: ApiToken.objects.create(name="DMS", prefix="abcd1234", key_hash="0" * 64,
                                                            region=region),
        "kpi.DealerDayFact": lambda: DealerDayFact.objects.create(dealer=dealer, day=dt.date(2026, 6, 1)),
        "kpi.RollupRun": lambda: RollupRun.objects.create(
            first_day=dt.date(2026, 6, 1), last_day=dt.date(2026, 6, 1), dealers=1, rows=1, engine="orm"
        ),
        "digests.Subscription": lambda: Subscription.objects.create(user=manager, frequency="daily",
                                                                    scope_kind="region", region=region),
        "digests.DigestDelivery": lambda: DigestDelivery.objects.create(
            user=manager, scope_key=f"region:{region.pk}", frequency="daily", period_start=dt.date(2026, 6, 1),
            period_end=dt.date(2026, 6, 1), language="zh-hans", recipient="manager@example.com",
            message_id="<demo@aftersales>", claimed_at=now),
        "parts.StockTransfer": lambda: StockTransfer.objects.create(
            from_dealer=dealer, to_dealer=other, part=Part.objects.first(), quantity=1, unit_cost=10, shipped_at=now),
    }
    for model in MODELS:
        if model._default_manager.exists():
            continue
        label = model._meta.label
        if model._meta.app_label == "axes":
            _axes_row(model)
        else:
            assert label in creators, f"add a row for {label} to tests/test_admin.py"
            creators[label]()


@pytest.fixture(scope="module")
def objects(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            seed_region(dealers=4, months=1, seed=3, end=dt.date(2026, 6, 30))
            _missing_rows()
            connection.check_constraints()  # PostgreSQL: the deferred foreign keys are checked once, here
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def admin_client_as_superuser(objects, db, client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="admin")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.user = user
    return client


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_admin_pages_load_for_a_superuser(admin_client_as_superuser, model, language):
    client = admin_client_as_superuser
    client.cookies["django_language"] = language
    info = (model._meta.app_label, model._meta.model_name)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = client.user
    obj = model._default_manager.order_by("pk").first()

    pages = {
        "changelist": (reverse("admin:{}_{}_changelist".format(*info)), 200),
        # Some admins refuse additions on purpose (the ledger, rolled-up facts): they answer 403.
        "add": (reverse("admin:{}_{}_add".format(*info)), 200 if model_admin.has_add_permission(request) else 403),
        "change": (reverse("admin:{}_{}_change".format(*info), args=[obj.pk]), 200),
    }
    for page, (url, expected) in pages.items():
        response = client.get(url)
        assert response.status_code == expected, f"{page} {url} in {language}: {response.status_code}"
        if expected == 200:
            assert response["Content-Language"] == language
