"""What a digest says: the numbers of kpi.selectors for the same scope and period, per role and frequency,
in both languages; nothing about dealers the reader may not see."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from digests.content import build_digest, render_digest
from digests.periods import period_for
from digests.scopes import DigestScope
from kpi import selectors as kpi_selectors
from kpi.definitions import HEADLINE_KPIS
from kpi.templatetags.kpi_format import format_value
from parts.choices import PartsOrderKind
from parts.models import PartsOrder
from tests.training.factories import CertificationFactory, TechnicianFactory
from tests.workorders.factories import ComplaintFactory

from .conftest import FIRST, MONDAY

CODES = [kpi.code for kpi in HEADLINE_KPIS]


def _expected(dealer_ids, period):
    return kpi_selectors.kpi_values(dealer_ids=dealer_ids, start=period.start, end=period.end, codes=CODES)


def _assert_numbers_match(digest, rendered, dealer_ids, language):
    expected = _expected(dealer_ids, digest.period)
    assert [row.kpi.code for row in digest.headline] == CODES
    with translation.override(language):
        for row in digest.headline:
            kv = expected[row.kpi.code]
            assert row.value == kv  # the very numbers of kpi.selectors, target and previous included
            text = format_value(kv.value, kv.kpi)
            assert row.value_text == text
            assert text in rendered.text, (row.kpi.code, text)
            assert text.replace("&", "&amp;") in rendered.html, (row.kpi.code, text)


@pytest.mark.parametrize(
    ("role", "frequency", "today", "scope_of"),
    [
        ("manager", "weekly", MONDAY, lambda w: DigestScope.region(w.region.pk)),
        ("manager", "daily", MONDAY, lambda w: DigestScope.region(w.region.pk)),
        ("manager", "monthly", FIRST, lambda w: DigestScope.tier(w.region.pk, 2)),
        ("manager", "weekly", MONDAY, lambda w: DigestScope.dealer(w.b.pk)),
        ("service_manager", "daily", MONDAY, lambda w: DigestScope.dealer(w.a.pk)),
        ("service_manager", "weekly", MONDAY, lambda w: DigestScope.dealer(w.a.pk)),
        ("service_manager", "monthly", FIRST, lambda w: DigestScope.dealer(w.a.pk)),
        ("advisor", "weekly", MONDAY, lambda w: DigestScope.dealer(w.a.pk)),
        ("clerk", "daily", MONDAY, lambda w: DigestScope.dealer(w.a.pk)),
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_digest_numbers_are_kpi_selectors_numbers(world, role, frequency, today, scope_of, language):
    user, scope = getattr(world, role), scope_of(world)
    period = period_for(frequency, today)
    digest = build_digest(user=user, scope=scope, period=period, language=language)
    rendered = render_digest(digest)
    _assert_numbers_match(digest, rendered, digest.dealer_ids, language)
    assert rendered.subject in rendered.text
    assert "<script" not in rendered.html.lower() and "<img" not in rendered.html.lower()
    assert 'rel="stylesheet"' not in rendered.html and "<style" not in rendered.html


def test_region_digest_counts_the_region_and_only_the_region(world):
    digest = build_digest(user=world.manager, scope=DigestScope.region(world.region.pk),
                          period=period_for("weekly", MONDAY), language="en")
    assert digest.dealer_ids == {world.a.pk, world.b.pk, world.c.pk, world.d.pk}
    text = render_digest(digest).text
    assert world.elsewhere.name not in text


def test_tier_digest_counts_the_tier_of_the_region(world):
    digest = build_digest(user=world.manager, scope=DigestScope.tier(world.region.pk, 2),
                          period=period_for("weekly", MONDAY), language="en")
    assert digest.dealer_ids == {world.a.pk, world.b.pk, world.c.pk}


def test_subject_lines_in_both_languages(world):
    period = period_for("weekly", MONDAY)
    scope = DigestScope.region(world.region.pk)
    en = build_digest(user=world.manager, scope=scope, period=period, language="en").subject
    assert en == "Weekly KPI digest · 华东区 · 16–22 Nov 2026"
    zh = build_digest(user=world.manager, scope=scope, period=period, language="zh-hans").subject
    # The Chinese wording comes from the catalogue; the period is always written the Chinese way.
    assert "华东区" in zh and "2026-11-16 – 2026-11-22" in zh


def test_region_digest_ranks_best_and_worst_three_and_flags_the_outlier(world):
    digest = build_digest(user=world.manager, scope=DigestScope.region(world.region.pk),
                          period=period_for("weekly", MONDAY), language="en")
    fill = next(r for r in digest.rankings if r.kpi.code == "fill_rate")
    assert [d.name for d in fill.best] == [world.b.name, world.a.name, world.c.name]
    assert [d.name for d in fill.worst] == [world.d.name]  # four dealers: the fourth is the only one left
    assert all(r.kpi.direction != "neutral" for r in digest.rankings)
    assert "parts_turnover" not in {r.kpi.code for r in digest.rankings}  # every dealer the same: no ranking
    assert any(o.dealer_name == world.d.name and o.kpi.code == "fill_rate" for o in digest.outliers)
    assert not any(o.dealer_name == world.b.name for o in digest.outliers)
    text = render_digest(digest).text
    assert "Best and worst dealers" in text and "Outliers" in text


def test_dealer_digest_has_no_league_table(world):
    digest = build_digest(user=world.service_manager, scope=DigestScope.dealer(world.a.pk),
                          period=period_for("weekly", MONDAY), language="en")
    assert digest.rankings == [] and digest.outliers == []


def _other_dealers_records(world, as_of):
    """Alert-worthy records at every dealer, to see which ones leak."""
    for dealer in (world.a, world.b, world.d, world.elsewhere):
        ComplaintFactory(dealer=dealer, opened_at=as_of - dt.timedelta(hours=72), description=f"complaint at {dealer.code}")
        PartsOrder.objects.create(dealer=dealer, number=f"URG-{dealer.code}", kind=PartsOrderKind.URGENT,
                                  ordered_at=as_of - dt.timedelta(hours=60))
        CertificationFactory(technician=TechnicianFactory(dealer=dealer, name=f"技师{dealer.code}"),
                             issued_on=dt.date(2024, 12, 10), expires_on=MONDAY + dt.timedelta(days=10))


def test_alerts_list_overdue_complaints_urgent_orders_expiring_certifications_and_slow_stock(world):
    as_of = timezone.make_aware(dt.datetime.combine(MONDAY, dt.time.min))
    _other_dealers_records(world, as_of)
    # Not alerts: a complaint opened 47 h before, one resolved before the digest, an urgent order received.
    ComplaintFactory(dealer=world.a, opened_at=as_of - dt.timedelta(hours=47))
    ComplaintFactory(dealer=world.a, opened_at=as_of - dt.timedelta(hours=90), resolved_at=as_of - dt.timedelta(hours=1))
    PartsOrder.objects.create(dealer=world.a, number="URG-DONE", kind=PartsOrderKind.URGENT,
                              ordered_at=as_of - dt.timedelta(hours=90), received_at=as_of - dt.timedelta(hours=2),
                              status="received")
    digest = build_digest(user=world.manager, scope=DigestScope.region(world.region.pk),
                          period=period_for("weekly", MONDAY), language="en")
    sections = {s.code: s for s in digest.alerts}
    assert len(sections["complaints"].items) == 3  # a, b, d — not the other region's
    assert {i.text.split(":")[0] for i in sections["parts_orders"].items} == {world.a.name, world.b.name, world.d.name}
    assert "URG-DONE" not in render_digest(digest).text
    assert len(sections["certifications"].items) == 3
    # Slow-moving share above its 8% target: c (10.7%) and d (about 22%); a (9.3%) too; b at 8% is not above.
    slow = [i.text for i in sections["slow_moving"].items]
    assert any(world.d.name in t for t in slow) and not any(world.b.name in t for t in slow)
    assert all(item.url.startswith("http") for s in digest.alerts for item in s.items)
    # Each item opens its record in the portal.
    from django.conf import settings
    from django.urls import reverse

    from workorders.models import Complaint

    base = settings.PORTAL_BASE_URL.rstrip("/")
    complaint = Complaint.objects.get(description=f"complaint at {world.a.code}")
    assert base + reverse("workorders:complaint_detail", args=[complaint.pk]) in [i.url for i in sections["complaints"].items]
    order = PartsOrder.objects.get(number="URG-HZ01")
    assert base + reverse("parts:order_detail", args=[order.pk]) in [i.url for i in sections["parts_orders"].items]


def test_a_kpi_that_crossed_its_target_is_an_alert(world):
    # Dealer a's fill rate: 88% over October, 91% over November; a target of 90% lies between.
    from kpi.models import KpiTarget

    from .factories import day_facts

    day_facts(world.a, dt.date(2026, 10, 1), dt.date(2026, 10, 31), quality=1)
    day_facts(world.a, dt.date(2026, 11, 1), dt.date(2026, 11, 8), quality=2)
    KpiTarget.objects.create(kpi="fill_rate", dealer=world.a, value=Decimal("90"))
    digest = build_digest(user=world.service_manager, scope=DigestScope.dealer(world.a.pk),
                          period=period_for("monthly", FIRST), language="en")
    crossed = next(s for s in digest.alerts if s.code == "crossed")
    assert any(i.text.startswith("Parts fill rate") for i in crossed.items)


@pytest.mark.parametrize("role", ["service_manager", "advisor", "clerk"])
def test_dealer_staff_digest_names_no_other_dealer_in_either_part(world, role):
    as_of = timezone.make_aware(dt.datetime.combine(MONDAY, dt.time.min))
    _other_dealers_records(world, as_of)
    digest = build_digest(user=getattr(world, role), scope=DigestScope.dealer(world.a.pk),
                          period=period_for("weekly", MONDAY), language="zh-hans")
    rendered = render_digest(digest)
    for other in (world.b, world.c, world.d, world.elsewhere):
        for part in (rendered.text, rendered.html, rendered.subject):
            assert other.name not in part and other.code not in part
            assert f"dealer={other.pk}" not in part and f"/dealers/{other.pk}/" not in part
    assert world.a.name in rendered.text


def test_alert_sections_follow_the_readers_records(world):
    """A parts clerk sees parts orders but not complaints or technicians; an advisor the other way round."""
    as_of = timezone.make_aware(dt.datetime.combine(MONDAY, dt.time.min))
    _other_dealers_records(world, as_of)
    period = period_for("weekly", MONDAY)
    clerk = {s.code for s in build_digest(user=world.clerk, scope=DigestScope.dealer(world.a.pk), period=period,
                                           language="en").alerts}
    advisor = {s.code for s in build_digest(user=world.advisor, scope=DigestScope.dealer(world.a.pk), period=period,
                                             language="en").alerts}
    assert "parts_orders" in clerk and "complaints" not in clerk and "certifications" not in clerk
    assert "complaints" in advisor and "certifications" in advisor and "parts_orders" not in advisor


@pytest.mark.parametrize(
    ("role", "scope_of"),
    [
        ("service_manager", lambda w: DigestScope.region(w.region.pk)),
        ("service_manager", lambda w: DigestScope.tier(w.region.pk, 2)),
        ("service_manager", lambda w: DigestScope.dealer(w.b.pk)),
        ("technician", lambda w: DigestScope.dealer(w.a.pk)),
        ("manager", lambda w: DigestScope.region(w.other_region.pk)),
        ("manager", lambda w: DigestScope.dealer(w.elsewhere.pk)),
    ],
)
def test_no_digest_about_a_scope_the_reader_may_not_see(world, role, scope_of):
    with pytest.raises(PermissionDenied):
        build_digest(user=getattr(world, role), scope=scope_of(world), period=period_for("daily", MONDAY), language="en")


def test_trend_has_one_bar_per_bucket_and_links_are_absolute(world, settings):
    settings.PORTAL_BASE_URL = "https://portal.example"
    digest = build_digest(user=world.manager, scope=DigestScope.region(world.region.pk),
                          period=period_for("weekly", MONDAY), language="en")
    assert all(len(row.trend) == 8 for row in digest.headline)
    rendered = render_digest(digest)
    hrefs = re.findall(r'href="([^"]+)"', rendered.html)
    assert hrefs and all(h.startswith("https://portal.example/") for h in hrefs)
    kpi_link = digest.headline[0].url
    assert kpi_link.startswith("https://portal.example/kpi/output_value/?") and "period=week" in kpi_link


def test_missing_portal_pages_fall_back_to_the_portal_home(world, settings):
    from digests.content import portal_url

    settings.PORTAL_BASE_URL = "https://portal.example/"
    assert portal_url("no_such_app:no_such_page", args=(1,), query={"x": 1}) == "https://portal.example/"


def test_a_region_digest_takes_a_fixed_handful_of_queries(world, django_assert_max_num_queries):
    """No query per dealer or per KPI: the count stays the same however large the region."""
    from dealers import policy

    policy.forget(world.manager)
    period = period_for("weekly", MONDAY)
    with django_assert_max_num_queries(30) as captured:
        build_digest(user=world.manager, scope=DigestScope.region(world.region.pk), period=period, language="en")
    small = len(captured.captured_queries)
    from tests.dealers.factories import DealerFactory

    from .factories import day_facts

    for n in range(6):
        day_facts(DealerFactory(region=world.region, code=f"X{n:02d}", name=f"新店{n}"), period.start, period.end, quality=n % 3)
    policy.forget(world.manager)
    with django_assert_max_num_queries(small) as captured:
        build_digest(user=world.manager, scope=DigestScope.region(world.region.pk), period=period, language="en")
