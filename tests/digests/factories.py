import datetime as dt
from decimal import Decimal

import factory

from digests.choices import DigestFrequency, ScopeKind
from digests.models import Subscription
from kpi.models import DealerDayFact
from tests.dealers.factories import UserFactory


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    frequency = DigestFrequency.DAILY
    scope_kind = ScopeKind.DEALER
    language = "en"


def day_facts(dealer, start: dt.date, end: dt.date, *, quality: int = 0, **overrides) -> list[DealerDayFact]:
    """One rolled-up fact row per day for `dealer`; `quality` shifts the ratios so dealers rank apart
    (higher is better on every headline KPI), `overrides` set measure columns outright."""
    rows = []
    day = start
    while day <= end:
        measures = {
            "delivered_count": 20,
            "output_value": Decimal(30000 + 1000 * quality),
            "gross_profit": Decimal(12000),
            "ftf_eligible": 10,
            "ftf_ok": min(10, 8 + quality),
            "survey_count": 5,
            "csi_sum": Decimal(5 * (90 + quality)),
            "promoters": 3,
            "detractors": 1,
            "complaints_opened": 2,
            "complaints_resolved_48h": min(2, 1 + quality // 2),
            "parts_lines_requested": 100,
            "parts_lines_filled": min(100, 85 + 3 * quality),
            "issue_cost": Decimal(5000),
            "issue_cost_90d": Decimal(450000),
            "inventory_value": Decimal(300000),
            "slow_moving_value": Decimal(max(0, 36000 - 4000 * quality)),
            "dead_stock_value": Decimal(3000),
            "nev_count": 4,
            "technicians_active": 10,
            "technicians_hv": min(10, 6 + quality),
            "opened_count": 20,
            "online_opened": 6 + quality,
        }
        measures = {name: max(0, value) for name, value in measures.items()}  # a bad dealer, not a negative one
        measures.update(overrides)
        rows.append(DealerDayFact(dealer=dealer, day=day, **measures))
        day += dt.timedelta(days=1)
    return DealerDayFact.objects.bulk_create(rows)
