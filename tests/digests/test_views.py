"""The manage page, the preview and the unsubscribe link, from the outside (HTTP)."""

import pytest
from django.core import signing
from django.urls import reverse

from digests.models import Subscription
from digests.scopes import DigestScope
from digests.services import subscription_create
from digests.tokens import UNSUBSCRIBE_SALT, unsubscribe_token

from .conftest import MONDAY

MANAGE = "/digests/"


def _login(client, user):
    client.force_login(user)
    return client


# ---- manage page ------------------------------------------------------------------------------------


def test_manage_page_needs_a_login(client, world):
    response = client.get(reverse("digests:subscription_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_manage_page_gives_the_role_defaults_once(client, world):
    _login(client, world.manager)
    response = client.get(MANAGE)
    assert response.status_code == 200
    assert list(Subscription.objects.filter(user=world.manager).values_list("frequency", "scope_kind")) == [("weekly", "region")]
    client.get(MANAGE)
    assert Subscription.objects.filter(user=world.manager).count() == 1
    assert world.region.name in response.content.decode()


def test_manage_page_offers_only_scopes_the_user_may_see(client, world):
    _login(client, world.service_manager)
    page = client.get(MANAGE).content.decode()
    assert f'value="dealer:{world.a.pk}"' in page
    for other in (world.b, world.c, world.d, world.elsewhere):
        assert other.name not in page and f"dealer:{other.pk}" not in page
    assert f"region:{world.region.pk}" not in page


def test_subscribing_through_the_page(client, world):
    _login(client, world.manager)
    response = client.post(reverse("digests:subscription_create"),
                           {"frequency": "monthly", "scope": f"tier:{world.region.pk}:3", "language": "en"})
    assert response.status_code == 302
    assert Subscription.objects.get(user=world.manager, frequency="monthly").scope == DigestScope.tier(world.region.pk, 3)


@pytest.mark.parametrize("scope", ["region:{region}", "dealer:{b}", "tier:{region}:2", "dealer:{elsewhere}", "nonsense"])
def test_dealer_staff_cannot_subscribe_to_a_region_or_another_dealer(client, world, scope):
    _login(client, world.service_manager)
    key = scope.format(region=world.region.pk, b=world.b.pk, elsewhere=world.elsewhere.pk)
    response = client.post(reverse("digests:subscription_create"), {"frequency": "daily", "scope": key, "language": "en"})
    assert response.status_code == 400
    assert not Subscription.objects.filter(user=world.service_manager).exclude(dealer=world.a).exists()


def test_turning_off_and_changing_language(client, world):
    subscription = subscription_create(user=world.manager, frequency="weekly", scope=DigestScope.region(world.region.pk),
                                       language="zh-hans")
    _login(client, world.manager)
    url = reverse("digests:subscription_update", args=[subscription.pk])
    assert client.post(url, {"active": "0"}).status_code == 302
    assert client.post(url, {"language": "en"}).status_code == 302
    subscription.refresh_from_db()
    assert subscription.active is False and subscription.language == "en" and subscription.unsubscribed_at


def test_someone_elses_subscription_is_a_404(client, world):
    subscription = subscription_create(user=world.manager, frequency="weekly", scope=DigestScope.region(world.region.pk),
                                       language="en")
    _login(client, world.service_manager)
    response = client.post(reverse("digests:subscription_update", args=[subscription.pk]), {"active": "0"})
    assert response.status_code == 404
    subscription.refresh_from_db()
    assert subscription.active


# ---- preview ---------------------------------------------------------------------------------------


def _preview(client, **params):
    return client.get(reverse("digests:digest_preview"), params)


def test_preview_needs_a_login(client, world):
    assert _preview(client, frequency="weekly", scope=f"region:{world.region.pk}").status_code == 302


def test_preview_shows_the_mail_both_parts(client, world):
    _login(client, world.manager)
    response = _preview(client, frequency="weekly", scope=f"region:{world.region.pk}", date=MONDAY.isoformat(), lang="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Weekly KPI digest · 华东区 · 16–22 Nov 2026" in page and "srcdoc=" in page
    text = _preview(client, frequency="weekly", scope=f"region:{world.region.pk}", date=MONDAY.isoformat(), lang="en",
                    part="text")
    assert text["Content-Type"].startswith("text/plain") and "Headline KPIs" in text.content.decode()
    html = _preview(client, frequency="weekly", scope=f"region:{world.region.pk}", date=MONDAY.isoformat(), part="html")
    assert html["Content-Type"].startswith("text/html") and "<table" in html.content.decode()


@pytest.mark.parametrize("scope", ["region:{region}", "tier:{region}:2", "dealer:{b}", "dealer:{elsewhere}"])
def test_preview_of_a_scope_the_viewer_may_not_see_is_a_404_or_refused(client, world, scope):
    _login(client, world.service_manager)
    key = scope.format(region=world.region.pk, b=world.b.pk, elsewhere=world.elsewhere.pk)
    response = _preview(client, frequency="weekly", scope=key, date=MONDAY.isoformat())
    # Not among the offered scopes: the form refuses it (400) and nothing of the scope is rendered.
    assert response.status_code in (400, 404)
    page = response.content.decode()
    assert world.b.name not in page and world.elsewhere.name not in page and "Headline KPIs" not in page


def test_preview_of_the_own_dealer(client, world):
    _login(client, world.service_manager)
    response = _preview(client, frequency="daily", scope=f"dealer:{world.a.pk}", date=MONDAY.isoformat(), lang="zh-hans")
    assert response.status_code == 200 and world.a.name in response.content.decode()


def test_preview_says_what_is_wrong_with_bad_parameters(client, world):
    _login(client, world.manager)
    response = _preview(client, frequency="hourly", scope=f"region:{world.region.pk}", date="23/11/2026")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "frequency" in errors and "date" in errors


# ---- unsubscribe -------------------------------------------------------------------------------------


@pytest.fixture
def subscription(world):
    return subscription_create(user=world.service_manager, frequency="daily", scope=DigestScope.dealer(world.a.pk),
                               language="en")


def _url(token):
    return reverse("digests:unsubscribe", args=[token])


def test_unsubscribe_get_asks_and_changes_nothing(client, subscription):
    response = client.get(_url(unsubscribe_token(subscription=subscription)))
    assert response.status_code == 200 and b"<form" in response.content
    subscription.refresh_from_db()
    assert subscription.active


def test_unsubscribe_post_works_without_login(client, subscription):
    response = client.post(_url(unsubscribe_token(subscription=subscription)))
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert not subscription.active and subscription.unsubscribed_at


def test_one_click_unsubscribe_rfc_8058(world, subscription):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # a mail provider has no CSRF cookie
    response = client.post(_url(unsubscribe_token(subscription=subscription)),
                           data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert not subscription.active
    # Twice is fine.
    assert client.post(_url(unsubscribe_token(subscription=subscription)), {"List-Unsubscribe": "One-Click"}).status_code == 200


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # altered signature
    lambda t: "garbage",
    lambda t: signing.Signer(salt="another.purpose").sign_object({"s": 1, "u": 1}),  # signed for something else
])
def test_a_bad_token_is_refused_and_unsubscribes_nothing(client, subscription, mangle):
    token = mangle(unsubscribe_token(subscription=subscription))
    assert client.get(_url(token)).status_code == 400
    assert client.post(_url(token)).status_code == 400
    subscription.refresh_from_db()
    assert subscription.active


def test_a_token_cannot_be_pointed_at_another_users_subscription(client, world, subscription):
    other = subscription_create(user=world.manager, frequency="weekly", scope=DigestScope.region(world.region.pk),
                                language="en")
    forged = signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"s": other.pk, "u": world.service_manager.pk})
    assert client.post(_url(forged)).status_code == 404
    other.refresh_from_db()
    assert other.active


def test_the_token_of_a_deleted_subscription_is_a_404(client, subscription):
    token = unsubscribe_token(subscription=subscription)
    subscription.delete()
    assert client.get(_url(token)).status_code == 404


def test_admin_refuses_a_scope_the_user_may_not_see(client, world, superuser):
    client.force_login(superuser)
    url = reverse("admin:digests_subscription_add")
    data = {"user": world.service_manager.pk, "frequency": "daily", "scope_kind": "dealer", "dealer": world.b.pk,
            "language": "en", "active": "on"}
    response = client.post(url, data)
    assert response.status_code == 200 and not Subscription.objects.exists()
    data["dealer"] = world.a.pk
    assert client.post(url, data).status_code == 302
    assert Subscription.objects.get().dealer == world.a
    assert client.get(reverse("admin:digests_digestdelivery_changelist")).status_code == 200
