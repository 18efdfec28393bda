"""`manage.py seed_demo`: build the demo region (dealers, work orders, stock, training, feedback, budgets)
and roll up its KPIs. See dealers/demo/ for what is generated and why."""

from __future__ import annotations

import datetime as dt
import sys
import time
import unicodedata
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from aftersales.commands import date_option
from dealers.demo import data, org
from dealers.demo.generator import period, seed_region
from dealers.models import Region


class Command(BaseCommand):
    help = "Seed the demo region: about 24 dealers over 18 months ending yesterday, with demo users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dealers", type=int, default=24, help="number of dealers (default 24)")
        parser.add_argument("--months", type=int, default=18, help="months of history (default 18)")
        parser.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives the same region")
        parser.add_argument("--end", type=lambda value: date_option(value, "--end"), default=None,
                            help="last day of the period, YYYY-MM-DD (default: yesterday in Asia/Shanghai)")
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when a region already exists (used by `make demo`)")
        parser.add_argument("--no-rollup", action="store_true", help="skip the KPI roll-up of the seeded period")

    def handle(self, *args, **options) -> None:
        if not org.MIN_DEALERS <= options["dealers"] <= org.MAX_DEALERS:
            raise CommandError(f"--dealers must be between {org.MIN_DEALERS} and {org.MAX_DEALERS}, got {options['dealers']}")
        if not 1 <= options["months"] <= 60:
            raise CommandError(f"--months must be between 1 and 60, got {options['months']}")
        if options["if_empty"] and Region.objects.exists():
            self.stdout.write("A region already exists: nothing seeded (--if-empty).")
            return
        if Region.objects.filter(code=data.REGION_CODE).exists():
            raise CommandError(
                f"The demo region {data.REGION_CODE!r} already exists. Seed an empty database "
                "(or pass --if-empty to skip)."
            )
        taken = list(get_user_model().objects.filter(username__in=["admin", "manager"]).values_list("username", flat=True))
        if taken:
            raise CommandError(f"Demo usernames already taken: {', '.join(sorted(taken))}. Seed an empty database.")
        end = options["end"] or timezone.localdate(timezone=zoneinfo.ZoneInfo("Asia/Shanghai")) - dt.timedelta(days=1)
        start, end = period(end=end, months=options["months"])
        self.stdout.write(
            f"Seeding the demo region: {options['dealers']} dealers, {start} … {end}, seed {options['seed']}"
        )
        bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=(end - start).days + 1, unit="day", leave=False, file=sys.stderr)

        def progress(day: int, days: int) -> None:
            if bar is not None:
                bar.update(day - bar.n)

        began = time.perf_counter()
        try:
            result = seed_region(dealers=options["dealers"], months=options["months"], seed=options["seed"],
                                 end=end, report=self.stdout.write, progress=progress)
        except ValueError as error:
            raise CommandError(str(error)) from error
        finally:
            if bar is not None:
                bar.close()
        total = sum(result.counts.values())
        self.stdout.write(f"{'seeded':<34} {time.perf_counter() - began:6.1f} s  ({total:,} bulk rows)")
        for label, count in sorted(result.counts.items()):
            self.stdout.write(f"  {label:<36} {count:>9,}")
        if not options["no_rollup"]:
            self._rollup(result.start, result.end)
        self._digest_defaults(result.credentials)
        self._credentials(result.credentials)

    def _digest_defaults(self, credentials: list[org.Credential]) -> None:
        """Give the demo users their role's default digest subscriptions (weekly region, daily dealer)."""
        from digests.services import subscription_defaults_ensure

        users = get_user_model().objects.filter(username__in=[c.username for c in credentials])
        created = sum(len(subscription_defaults_ensure(user=user)) for user in users)
        self.stdout.write(f"{'digest subscriptions':<34} {created:>6}")

    def _rollup(self, start: dt.date, end: dt.date) -> None:
        from kpi.tasks import kpi_rollup_task

        began = time.perf_counter()
        outcome = kpi_rollup_task.delay(start.isoformat(), end.isoformat())
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write(f"{'KPI roll-up':<34} {time.perf_counter() - began:6.1f} s")
        else:
            self.stdout.write(f"KPI roll-up queued for the Celery worker (task {outcome.id}).")

    def _credentials(self, credentials: list[org.Credential]) -> None:
        width = max(len(c.username) for c in credentials)
        role_width = max(_columns(c.role) for c in credentials)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo users (password for all: {org.DEMO_PASSWORD})"))
        self.stdout.write(f"  {'username':<{width}}  {_pad('role', role_width)}  where")
        for c in credentials:
            self.stdout.write(f"  {c.username:<{width}}  {_pad(c.role, role_width)}  {c.dealer}")


def _columns(text: str) -> int:
    """Terminal columns of the text: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _columns(text))
