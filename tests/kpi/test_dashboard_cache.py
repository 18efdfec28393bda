"""The dashboards' cache follows every committed roll-up, including one that rewrites its rows in place."""

import pytest
from django.core.cache import cache

from kpi.dashboard_cache import Reader
from kpi.models import RollupRun
from kpi.services import kpi_rollup

from .scenarios import D, day, delivered, local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_rerun_of_the_same_days_changes_the_cache_version(dealer):
    # On PostgreSQL the second run updates the same fact rows (same ids); the version still moves.
    kpi_rollup(start=D, end=day(1))
    before = Reader.current().version
    kpi_rollup(start=D, end=day(1))
    assert Reader.current().version != before
    run = RollupRun.objects.first()
    assert (run.first_day, run.last_day, run.dealers, run.rows) == (D, day(1), 1, 2)


def test_a_cached_value_is_read_again_after_a_rerun(dealer):
    # 1 delivered on D → ro_count 1, cached; a second one delivered, the same day rolled up again → 2.
    delivered(dealer, local(D, "09:00"), local(D, "15:00"))
    kpi_rollup(start=D, end=D)
    assert Reader.current().kpi_values(dealer_ids=[dealer.id], start=D, end=D, compare=False)["ro_count"].value == 1
    delivered(dealer, local(D, "10:00"), local(D, "16:00"))
    assert Reader.current().kpi_values(dealer_ids=[dealer.id], start=D, end=D, compare=False)["ro_count"].value == 1
    kpi_rollup(start=D, end=D)
    assert Reader.current().kpi_values(dealer_ids=[dealer.id], start=D, end=D, compare=False)["ro_count"].value == 2


def test_a_failed_rollup_records_no_run(dealer, monkeypatch):
    from kpi.rollup import orm, postgres

    def fail(window):
        raise RuntimeError("disk full")

    monkeypatch.setattr(orm, "write", fail)
    monkeypatch.setattr(postgres, "write", fail)
    with pytest.raises(RuntimeError):
        kpi_rollup(start=D, end=D)
    assert not RollupRun.objects.exists()
