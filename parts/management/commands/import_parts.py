"""manage.py import_parts --catalogue FILE | --stock FILE [--dealer CODE] [--dry-run] [--user USERNAME]

The same service as the upload page (parts.importers): every row checked first, each bad row printed with
its line number, nothing written unless all rows are good; exit status 1 when anything was wrong.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from dealers.models import Dealer
from parts.importers import run_import


class Command(BaseCommand):
    help = "Import the part catalogue or stock levels (a stock count) from a .csv or .xlsx file."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--catalogue", metavar="FILE", help="catalogue file: number, name, category, is_nev, cost, price")
        which.add_argument(
            "--stock", metavar="FILE", help="stock file: dealer_code, part_number, on_hand, reorder_point, maximum, bin"
        )
        parser.add_argument("--dealer", metavar="CODE", help="stock import for this dealer only")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument(
            "--user", metavar="USERNAME", help="import with this user's scope and name it in the history"
        )

    def handle(self, *args, **options) -> None:
        kind = "catalogue" if options["catalogue"] else "stock"
        path = Path(options["catalogue"] or options["stock"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        dealer = None
        if options["dealer"]:
            if kind == "catalogue":
                raise CommandError("--dealer applies to --stock imports only")
            dealer = Dealer.objects.filter(code__iexact=options["dealer"]).first()
            if dealer is None:
                raise CommandError(f"Unknown dealer {options['dealer']}")
        user = None
        if options["user"]:
            user = get_user_model()._default_manager.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"Unknown user {options['user']}")
        try:
            result = run_import(
                kind=kind,
                file=path.read_bytes(),
                filename=path.name,
                user=user,
                dealer=dealer,
                dry_run=options["dry_run"],
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if result.ignored_columns:
            self.stderr.write(f"Ignored columns: {', '.join(result.ignored_columns)}")
        if result.errors:
            for error in result.errors:
                self.stderr.write(f"{path.name}:{error.line}: {error.column or '-'}: {error.message}")
            raise CommandError(
                f"{len(result.errors)} error(s) in {path.name}; nothing was imported.", returncode=1
            )
        verb = "Would import" if options["dry_run"] else "Imported"
        summary = f"{verb} {result.rows} rows: {result.created} new, {result.updated} updated, {result.unchanged} unchanged"
        if kind == "stock":
            summary += f", {result.adjustments} count adjustment(s)"
        self.stdout.write(self.style.SUCCESS(summary))
