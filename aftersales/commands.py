"""Helpers shared by the management commands."""

from __future__ import annotations

import datetime as dt

from django.core.management import CommandError


def date_option(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD command-line value as a date (None stays None); a clear CommandError naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date; use YYYY-MM-DD") from None
