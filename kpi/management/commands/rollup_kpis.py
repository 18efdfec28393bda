"""Backfill or rebuild the KPI facts: python manage.py rollup_kpis --from 2024-01-01 --to 2024-12-31 [--dealer CODE]."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from aftersales.commands import date_option
from dealers.models import Dealer
from kpi.services import CHUNK_DAYS, RollupError, kpi_rollup


class Command(BaseCommand):
    help = "Rebuild the daily KPI facts for a range of days (inclusive), for every dealer or the ones named."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
        parser.add_argument(
            "--to", dest="end", metavar="DATE", help="last day, YYYY-MM-DD (default: yesterday, Asia/Shanghai time)"
        )
        parser.add_argument(
            "--dealer", dest="dealers", action="append", metavar="CODE", help="a dealer code; repeat for several"
        )
        # A quarter per step: long enough for the roll-up's joining shape on PostgreSQL (a 2-year rebuild of
        # 1 M work orders takes about half as long as in 31-day steps), short enough to show progress.
        parser.add_argument(
            "--chunk-days", type=int, default=92, help="days per transaction and progress step (default 92)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. in cron logs)")

    def handle(self, *args, **options) -> None:
        start = date_option(options["start"], "--from")
        end = date_option(options["end"], "--to") or timezone.localdate() - dt.timedelta(days=1)
        if start > end:
            raise CommandError(f"--from {start.isoformat()} is after --to {end.isoformat()}")
        if options["chunk_days"] < 1:
            raise CommandError(f"--chunk-days must be at least 1, not {options['chunk_days']}")
        dealer_ids = None
        if options["dealers"]:
            codes = list(dict.fromkeys(options["dealers"]))
            found = dict(Dealer.objects.filter(code__in=codes).values_list("code", "id"))
            if unknown := [code for code in codes if code not in found]:
                raise CommandError(f"--dealer: unknown dealer code(s): {', '.join(unknown)}")
            dealer_ids = list(found.values())

        total_days = (end - start).days + 1
        rows = 0
        # Chunked here so the bar moves and each chunk commits on its own; kpi_rollup chunks further if
        # its engine wants smaller transactions.
        chunk = min(options["chunk_days"], max(CHUNK_DAYS.values()))
        with tqdm(total=total_days, unit="day", disable=options["no_progress"], file=self.stderr._out) as bar:
            first = start
            while first <= end:
                last = min(end, first + dt.timedelta(days=chunk - 1))
                bar.set_description(f"{first.isoformat()}…{last.isoformat()}")
                try:
                    result = kpi_rollup(start=first, end=last, dealer_ids=dealer_ids, progress=bar.update)
                except RollupError as error:
                    raise CommandError(str(error)) from error
                rows += result.rows
                first = last + dt.timedelta(days=1)
        self.stdout.write(
            self.style.SUCCESS(f"Rolled up {total_days} day(s) {start.isoformat()}…{end.isoformat()}: {rows} dealer-day rows.")
        )
