"""kpi.warmup: after a roll-up the region dashboards are rendered once, so a manager's first view of each
picker period is served from the cache — identical to a fresh render, scoped, and invalidated by the next
roll-up."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealers.choices import Role
from kpi import tasks
from kpi.periods import bounds, data_end
from kpi.services import kpi_rollup
from kpi.warmup import PERIOD_KINDS, region_users, warm_dashboards
from tests.dealers.factories import make_user
from tests.workorders.factories import DeliveredWorkOrderFactory

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("kpi:overview")
LEAGUE = reverse("kpi:league")
# A cached page: session, user, memberships, the policy's dealer ids, the data version. A fresh render of
# either page reads the dealers, regions, facts and targets on top (see test_views.QUERY_LIMITS).
CACHED_PAGE_QUERIES = 5


def _urls() -> list[str]:
    last = data_end()
    urls = [OVERVIEW, LEAGUE]
    for kind in PERIOD_KINDS:
        query = f"?period={kind}&on={bounds(kind, last)[0].isoformat()}"
        urls += [OVERVIEW + query, LEAGUE + query]
    return urls


def _queries(client, url: str, language: str = "en") -> tuple[int, str]:
    """The number of queries of a GET and its page, with the per-request CSRF tokens blanked."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return len(queries), re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_after_the_warm_up_every_picker_period_is_a_cache_hit_in_both_languages(dash, client):
    cache.clear()
    result = warm_dashboards()
    # One region manager's scope × 2 languages × 2 pages × (the page without parameters + 5 periods).
    assert (result.scopes, result.pages, result.failed) == (1, 24, 0)
    client.force_login(dash.manager)
    for language in ("en", "zh-hans"):
        for url in _urls():
            count, _html = _queries(client, url, language)
            assert count <= CACHED_PAGE_QUERIES, (url, language, count)


def test_a_warmed_page_is_the_page_a_fresh_render_gives(dash, client):
    client.force_login(dash.manager)
    cache.clear()
    fresh = {url: _queries(client, url)[1] for url in _urls()}
    cache.clear()
    warm_dashboards(languages=["en"])
    assert {url: _queries(client, url)[1] for url in _urls()} == fresh


def test_warmed_content_never_reaches_a_user_of_another_scope(dash, client):
    """The manager's warmed league is keyed by the dealers they see: dealer staff and another region's
    manager get their own pages, with none of the region's other dealers."""
    cache.clear()
    warm_dashboards()
    west = make_user(Role.REGIONAL_MANAGER, region=dash.elsewhere.region, username="west")
    client.force_login(west)
    html = client.get(LEAGUE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert dash.elsewhere.code in html
    assert all(d.code not in html for d in (dash.a, dash.b, dash.c, dash.d))
    client.force_login(dash.staff)
    html = client.get(LEAGUE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert dash.a.code in html
    assert all(d.code not in html for d in (dash.b, dash.c, dash.d, dash.elsewhere))


def test_users_sharing_a_scope_are_rendered_once(dash):
    twin = make_user(Role.REGIONAL_MANAGER, region=dash.region, username="twin")
    assert {u.pk for u in region_users()} >= {dash.manager.pk, twin.pk}
    assert warm_dashboards(languages=["en"]).scopes == 1


def test_a_roll_up_after_the_warm_up_shows_its_new_numbers(dash, client):
    """The warmed pages belong to the data version of their roll-up: the next one replaces them."""
    client.force_login(dash.manager)
    warm_dashboards(languages=["en"])
    before = _queries(client, LEAGUE)[1]
    day = dash.yesterday
    DeliveredWorkOrderFactory(dealer=dash.b, labour_amount="987654.00", opened_at=_noon(day),
                              delivered_at=_noon(day))
    kpi_rollup(start=day, end=day)
    count, after = _queries(client, LEAGUE)
    assert count > CACHED_PAGE_QUERIES  # a new version: rendered afresh
    assert after != before
    assert "988" in after  # B's output value now includes the big work order (¥ thousands or more)


def test_roll_up_tasks_queue_the_warm_up(dash, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.warm_dashboards_task, "delay", lambda: queued.append("warm"))
    day = dash.yesterday.isoformat()
    tasks.kpi_rollup_task.apply(args=[day, day])
    tasks.nightly_rollup_task.apply()
    assert queued == ["warm", "warm"]


def test_the_warm_up_task_reports_what_it_rendered(dash):
    result = tasks.warm_dashboards_task.apply().get()
    assert {key: result[key] for key in ("scopes", "pages", "failed")} == {"scopes": 1, "pages": 24, "failed": 0}
    assert result["seconds"] >= 0


def test_a_failing_page_is_counted_not_raised(dash, monkeypatch):
    from kpi import views

    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "league", broken)
    result = warm_dashboards(languages=["en"])
    assert (result.pages, result.failed) == (6, 6)


def _noon(day):
    import datetime as dt

    from django.utils import timezone

    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


@pytest.mark.services
def test_a_real_worker_warms_the_shared_cache_for_the_web_process(celery_worker_process, dash, client):
    """Worker and web share the Redis cache: after the worker's nightly run and warm-up, the manager's home
    page is served from what the worker rendered."""
    cache.clear()
    assert tasks.nightly_rollup_task.delay().get(timeout=120)["rows"] >= 1
    result = tasks.warm_dashboards_task.delay().get(timeout=120)
    assert (result["scopes"], result["failed"]) == (1, 0)
    client.force_login(dash.manager)
    for url in (OVERVIEW, LEAGUE):
        count, html = _queries(client, url)
        assert count <= CACHED_PAGE_QUERIES, (url, count)
        assert "4 dealers" in html and dash.region.name in html
    assert dash.a.code in html  # the league lists the dealers


def test_the_warm_up_needs_no_allowed_host_of_its_own(dash, settings):
    """In production the worker's ALLOWED_HOSTS name the portal's domain only; the warm-up's requests are
    built in-process and must render all the same."""
    settings.ALLOWED_HOSTS = ["aftersales.example"]
    settings.DEBUG = False
    result = warm_dashboards(languages=["zh-hans"])
    assert (result.pages, result.failed) == (12, 0)
