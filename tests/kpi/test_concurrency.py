"""Two overlapping roll-ups at the same time on PostgreSQL: serialised, never double-counting."""

import threading

import pytest
from django.db import connection

from kpi.models import DealerDayFact
from kpi.rollup.common import FACT_FIELDS
from kpi.services import ADVISORY_LOCK_KEY, kpi_rollup
from tests.dealers.factories import DealerFactory

from .scenarios import BUILDERS, D, day

WORK_ORDER_SCENARIOS = ("output_value", "first_time_fix_rate", "returning_share", "csi", "complaint_48h_rate",
                        "fill_rate", "hv_cert_coverage", "online_share")


def snapshot():
    return sorted(
        tuple(row[f] for f in ("dealer_id", "day", *FACT_FIELDS))
        for row in DealerDayFact.objects.values("dealer_id", "day", *FACT_FIELDS)
    )


def run_in_threads(*ranges):
    barrier = threading.Barrier(len(ranges))
    errors = []

    def work(first, last):
        try:
            barrier.wait(timeout=30)
            kpi_rollup(start=first, end=last)
        except Exception as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=r) for r in ranges]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_overlapping_concurrent_rollups_give_the_facts_of_one_run(on_postgres, region):
    for code in WORK_ORDER_SCENARIOS:
        BUILDERS[code](DealerFactory(region=region))
    kpi_rollup(start=day(-5), end=day(5))
    one_run = snapshot()
    DealerDayFact.objects.all().delete()

    run_in_threads((day(-5), day(2)), (day(-2), day(5)), (D, D))

    assert snapshot() == one_run
    dealers = DealerFactory._meta.model.objects.count()
    assert DealerDayFact.objects.count() == dealers * 11


@pytest.mark.django_db(transaction=True)
def test_a_rollup_waits_for_the_lock_another_holds(on_postgres, dealer):
    """The advisory lock is what serialises: while another session holds it, a roll-up cannot write."""
    from django.db import connections

    holder = connections.create_connection("default")
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        done = threading.Event()

        def work():
            try:
                kpi_rollup(start=D, end=D)
                done.set()
            finally:
                connection.close()

        thread = threading.Thread(target=work)
        thread.start()
        assert not done.wait(timeout=1.5)
        assert not DealerDayFact.objects.exists()
        holder.rollback()  # releases the lock
        assert done.wait(timeout=30)
        thread.join()
        assert DealerDayFact.objects.count() == 1
    finally:
        holder.close()
