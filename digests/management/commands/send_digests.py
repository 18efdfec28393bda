"""python manage.py send_digests [--dry-run] [--user USERNAME] [--date DATE] [--frequency ...] [--ensure-defaults]

Sends the digests due today (each region's date), exactly like the task after the nightly roll-up:
each one claimed in the delivery log, then sent by send_digest_task (in-process without a broker).
--date sends what was due on that date (catch-up after a failed night); --dry-run prints what would
be sent and writes nothing.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aftersales.commands import date_option
from digests.choices import DigestFrequency
from digests.content import build_digest
from digests.selectors import delivery_for, due_digests, users_with_memberships
from digests.services import digests_send_due, subscription_defaults_ensure


class Command(BaseCommand):
    help = "Send the KPI digests due today (region time), once per user, scope and period."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print what would be sent; write nothing")
        parser.add_argument("--user", dest="usernames", action="append", metavar="USERNAME",
                            help="only this user (repeatable)")
        parser.add_argument("--date", help="evaluate as if today were DATE (YYYY-MM-DD) in every region")
        parser.add_argument("--frequency", dest="frequencies", action="append", choices=DigestFrequency.values,
                            help="only this frequency (repeatable)")
        parser.add_argument("--ensure-defaults", action="store_true",
                            help="first give every user with a role the default digests of that role")

    def handle(self, *args, dry_run=False, usernames=None, date=None, frequencies=None, ensure_defaults=False, **options):
        today = date_option(date or None, "--date")
        if usernames:
            known = set(get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True))
            missing = sorted(set(usernames) - known)
            if missing:
                raise CommandError(f"--user: no such user(s): {', '.join(missing)}")
        if ensure_defaults:
            users = users_with_memberships()
            if usernames:
                users = users.filter(username__in=usernames)
            if dry_run:
                self.stdout.write("dry run: not creating default subscriptions")
            else:
                created = sum(len(subscription_defaults_ensure(user=user)) for user in users)
                self.stdout.write(f"default subscriptions created: {created}")
        if dry_run:
            self._dry_run(today=today, frequencies=frequencies, usernames=usernames)
            return
        # Each claim commits on its own and its send is queued right after: a crash halfway leaves the
        # claimed ones claimed and the rest for a re-run.
        result = digests_send_due(now=timezone.now(), today=today, frequencies=frequencies, usernames=usernames)
        self.stdout.write(self.style.SUCCESS(
            f"digests due: {result.due}, claimed and queued: {len(result.claimed)}, "
            f"already sent or in flight: {result.skipped}"
        ))

    def _dry_run(self, *, today, frequencies, usernames) -> None:
        due = due_digests(now=timezone.now(), today=today, frequencies=frequencies, usernames=usernames)
        for item in due:
            subscription = item.subscription
            existing = delivery_for(user_id=subscription.user_id, scope_key=subscription.scope.key,
                                    frequency=subscription.frequency, period=item.period)
            state = "would send" if existing is None else {
                "sent": "already sent", "failed": "would retry (failed before)", "skipped": "skipped before",
            }.get(existing.status, "in flight (claimed)")
            try:
                subject = build_digest(user=subscription.user, scope=subscription.scope, period=item.period,
                                       language=subscription.language).subject
            except Exception as exc:  # noqa: BLE001 - a dry run reports every problem and goes on
                subject = f"(cannot build: {type(exc).__name__}: {exc})"
            self.stdout.write(
                f"{state}: {subscription.user.username} <{subscription.user.email}> · {subscription.frequency} · "
                f"{subscription.scope.key} · {item.period.start}–{item.period.end} · {subscription.language} · {subject}"
            )
        self.stdout.write(f"dry run: {len(due)} digest(s) due; nothing written")
