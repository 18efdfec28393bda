"""Render the region dashboards once after a roll-up, so the morning's first views come from the cache.

The overview and the league table read facts that change only when the roll-up rewrites them. Their
numbers and rendered tables are cached under the data version (kpi.dashboard_cache), so the first view
after each roll-up would pay for the aggregation and the HTML of two hundred dealers. Instead the task
that ran the roll-up renders them right away: for every distinct set of dealers a region user sees, in
every language, for each period the picker offers at the newest day (day, week, month, quarter and year
to date), and without parameters (the home page: month to date). A manager who opens one of those pages gets the cached
render; any other period (a custom range, an earlier month) is computed on first view as before.

Rendering goes through the real views with a request built for each user, so the cache keys are exactly
the ones a browser's request produces; nothing here knows how those keys are made.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from dealers.choices import REGION_ROLES
from dealers.policy import Record
from dealers.selectors import visible_dealer_ids

from .periods import DAY, MONTH, QUARTER, WEEK, YEAR, bounds, data_end

logger = logging.getLogger(__name__)

PERIOD_KINDS = (DAY, WEEK, MONTH, QUARTER, YEAR)


@dataclass(frozen=True)
class WarmResult:
    scopes: int
    pages: int
    failed: int
    seconds: float

    def as_dict(self) -> dict:
        return {"scopes": self.scopes, "pages": self.pages, "failed": self.failed, "seconds": round(self.seconds, 3)}


def _pages() -> list[tuple[str, Callable[[HttpRequest], HttpResponse]]]:
    from . import views  # the views import this app's selectors and templates; keep module import light

    return [(reverse("kpi:overview"), views.overview), (reverse("kpi:league"), views.league)]


def region_users(users: Iterable | None = None) -> list:
    """Active users who land on the region dashboards (regional managers and superusers), by id."""
    if users is not None:
        return list(users)
    return list(
        get_user_model().objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(memberships__role__in=REGION_ROLES, memberships__region__isnull=False))
        .distinct().order_by("id")
    )


def warm_dashboards(*, users: Iterable | None = None, languages: Sequence[str] | None = None) -> WarmResult:
    """Render the overview and league table for each distinct dealer scope × language × picker period.

    Users who see the same dealers share every cache entry, so one of them is rendered per scope. A page
    that fails is logged and counted, never raised: the facts are already committed, and a cold first view
    is only slower, not wrong.
    """
    began = time.monotonic()
    codes = list(languages) if languages is not None else [code for code, _name in settings.LANGUAGES]
    last_day = data_end()
    # The page without parameters (the home page: month to date), then each picker period as its links
    # and bookmarks ask for it; the cache keys on the address's parameters as given.
    periods = [{}, *({"period": kind, "on": bounds(kind, last_day)[0].isoformat()} for kind in PERIOD_KINDS)]
    factory = RequestFactory()
    pages = _pages()
    seen: set[frozenset[int]] = set()
    rendered = failed = 0
    for user in region_users(users):
        scope = visible_dealer_ids(user, Record.KPI)
        if not scope or scope in seen:
            continue
        seen.add(scope)
        for code in codes:
            with translation.override(code):
                for url, view in pages:
                    for params in periods:
                        request = factory.get(url, params)
                        request.user = user
                        request.LANGUAGE_CODE = code
                        try:
                            status = view(request).status_code
                        except Exception:
                            logger.exception("warming %s?%s as user %s failed", url, params, user.pk)
                            status = None
                        if status == 200:
                            rendered += 1
                        else:
                            failed += 1
    result = WarmResult(scopes=len(seen), pages=rendered, failed=failed, seconds=time.monotonic() - began)
    logger.info("dashboards warmed: %s", result.as_dict())
    return result
