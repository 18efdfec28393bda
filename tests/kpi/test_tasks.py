"""The Celery tasks (in-process here; a real worker in the services run) and the rollup_kpis command."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.utils import timezone

from kpi import tasks
from kpi.models import DealerDayFact
from kpi.services import RollupError
from tests.dealers.factories import DealerFactory

from .scenarios import D, day, delivered, local

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def yesterday_in_shanghai() -> dt.date:
    return timezone.now().astimezone(SH).date() - dt.timedelta(days=1)


# --- tasks -------------------------------------------------------------------------------------


def test_rollup_task_rolls_up_the_range_it_is_given(dealer):
    delivered(dealer, local(D, "09:00"), local(D, "15:00"))
    result = tasks.kpi_rollup_task.delay(D.isoformat(), day(1).isoformat()).get(timeout=10)
    assert result["start"] == "2025-03-10" and (result["days"], result["dealers"], result["rows"]) == (2, 1, 2)
    assert DealerDayFact.objects.get(dealer=dealer, day=D).delivered_count == 1


def test_rollup_task_for_some_dealers(dealer, other_dealer):
    result = tasks.kpi_rollup_task.delay(D.isoformat(), D.isoformat(), [other_dealer.id]).get(timeout=10)
    assert result["rows"] == 1
    assert list(DealerDayFact.objects.values_list("dealer_id", flat=True)) == [other_dealer.id]


def test_rollup_task_names_a_bad_date():
    with pytest.raises(RollupError, match="end: '2025-02-30' is not an ISO date"):
        tasks.kpi_rollup_task.delay("2025-02-01", "2025-02-30").get(timeout=10)


def test_tasks_retry_database_errors_and_survive_a_lost_worker():
    for task in (tasks.kpi_rollup_task, tasks.nightly_rollup_task):
        assert OperationalError in task.autoretry_for
        assert task.acks_late and task.reject_on_worker_lost
        assert 0 < task.max_retries <= 10 and task.retry_backoff


def test_rollup_task_retries_after_a_database_error(dealer, monkeypatch):
    calls = []
    real = tasks.kpi_rollup

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "kpi_rollup", flaky)
    # In-process, Celery re-applies a retried task at once (a worker would wait for the backoff).
    result = tasks.kpi_rollup_task.apply(args=[D.isoformat(), D.isoformat()], throw=False).get(timeout=10)
    assert len(calls) == 2 and result["rows"] == 1


def test_nightly_task_rolls_up_the_trailing_window_ending_yesterday_then_queues_digests(dealer, monkeypatch, settings):
    settings.KPI_ROLLUP_TRAILING_DAYS = 35
    queued = []
    monkeypatch.setattr(tasks.apps, "is_installed", lambda name: name == "digests")
    from digests import tasks as digest_tasks

    monkeypatch.setattr(digest_tasks.send_due_digests_task, "delay", lambda: queued.append(True))
    result = tasks.nightly_rollup_task.delay().get(timeout=30)
    yesterday = yesterday_in_shanghai()
    days = sorted(DealerDayFact.objects.values_list("day", flat=True))
    assert days[0] == yesterday - dt.timedelta(days=34) and days[-1] == yesterday and len(days) == 35
    assert (result["days"], result["rows"]) == (35, 35)
    assert queued == [True]


def test_nightly_task_without_the_digests_app_queues_nothing(dealer, monkeypatch, settings):
    settings.KPI_ROLLUP_TRAILING_DAYS = 2
    monkeypatch.setattr(tasks.apps, "is_installed", lambda name: False)
    monkeypatch.setattr(tasks, "_send_digests", lambda: pytest.fail("digests queued"))
    assert tasks.nightly_rollup_task.delay().get(timeout=10)["rows"] == 2


def test_a_digest_queueing_failure_does_not_undo_the_rollup(dealer, monkeypatch, settings, caplog):
    settings.KPI_ROLLUP_TRAILING_DAYS = 1
    monkeypatch.setattr(tasks.apps, "is_installed", lambda name: True)
    from digests import tasks as digest_tasks

    def broken():
        raise ConnectionError("broker down")

    monkeypatch.setattr(digest_tasks.send_due_digests_task, "delay", broken)
    assert tasks.nightly_rollup_task.delay().get(timeout=10)["rows"] == 1
    assert "queueing the digests failed" in caplog.text
    assert DealerDayFact.objects.filter(day=yesterday_in_shanghai()).exists()


def test_beat_asks_every_hour_which_regions_are_at_two_in_the_morning(settings):
    """Beat ticks hourly with due_only; kpi.schedule picks the regions whose own 02:00 has come
    (tests/kpi/test_schedule.py)."""
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "kpi.tasks.nightly_rollup_task")
    assert entry["schedule"].minute == {0} and entry["schedule"].hour == set(range(24))
    assert entry["kwargs"] == {"due_only": True}
    assert entry["options"]["expires"] < 3600  # a late tick is superseded by the next, never stacked
    assert settings.KPI_ROLLUP_HOUR == 2
    assert tasks.nightly_rollup_task.name == "kpi.tasks.nightly_rollup_task"


@pytest.mark.services
def test_a_celery_worker_runs_the_nightly_rollup_on_postgresql(celery_worker_process, dealer):
    yesterday = yesterday_in_shanghai()
    delivered(dealer, local(yesterday, "09:00"), local(yesterday, "15:00"), labour_amount=321)
    result = tasks.nightly_rollup_task.delay().get(timeout=120)
    assert result["rows"] >= 1
    fact = DealerDayFact.objects.get(dealer=dealer, day=yesterday)
    assert (fact.delivered_count, fact.output_value) == (1, 321)
    ranged = tasks.kpi_rollup_task.delay(D.isoformat(), day(2).isoformat(), [dealer.id]).get(timeout=120)
    assert ranged["rows"] == 3
    assert DealerDayFact.objects.filter(dealer=dealer, day__range=(D, day(2))).count() == 3


# --- the management command --------------------------------------------------------------------


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("rollup_kpis", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_backfills_with_a_progress_bar(dealer, other_dealer):
    delivered(dealer, local(D, "09:00"), local(D, "15:00"))
    out, err = run_command("--from", "2025-02-01", "--to", "2025-03-31", "--chunk-days", "31")
    assert "Rolled up 59 day(s) 2025-02-01…2025-03-31: 118 dealer-day rows." in out
    assert "59/59" in err and "day" in err  # tqdm's bar on stderr
    assert DealerDayFact.objects.count() == 118
    assert DealerDayFact.objects.get(dealer=dealer, day=D).delivered_count == 1


def test_command_rolls_up_only_the_dealers_named(dealer, other_dealer):
    out, _err = run_command("--from", "2025-03-01", "--to", "2025-03-03", "--dealer", other_dealer.code, "--no-progress")
    assert "3 dealer-day rows" in out
    assert set(DealerDayFact.objects.values_list("dealer_id", flat=True)) == {other_dealer.id}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-13-01", "--to", "2025-12-31"], "--from: '2025-13-01' is not a date"),
        (["--from", "2025-01-01", "--to", "yesterday"], "--to: 'yesterday' is not a date"),
        (["--from", "2025-02-01", "--to", "2025-01-01"], "--from 2025-02-01 is after --to 2025-01-01"),
        (["--from", "2025-01-01", "--to", "2025-01-02", "--dealer", "NOPE", "--dealer", "ALSO"],
         "--dealer: unknown dealer code\\(s\\): NOPE, ALSO"),
        (["--from", "2025-01-01", "--to", "2025-01-02", "--chunk-days", "0"], "--chunk-days must be at least 1"),
    ],
)
def test_command_errors_name_the_argument(dealer, args, message):
    with pytest.raises(CommandError, match=message):
        run_command(*args)
    assert not DealerDayFact.objects.exists()


def test_command_defaults_to_yesterday(region):
    DealerFactory(region=region)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    run_command("--from", (yesterday - dt.timedelta(days=1)).isoformat(), "--no-progress")
    assert sorted(DealerDayFact.objects.values_list("day", flat=True)) == [yesterday - dt.timedelta(days=1), yesterday]
