"""Benchmark: server-side render time of the region overview and the dealer league table on PostgreSQL,
against a bare Django template page measured in the same run.

    .venv/bin/python bench/dashboard_render.py              # create as_dash_bench, load, measure, drop
    .venv/bin/python bench/dashboard_render.py --keep       # keep the database for another run
    .venv/bin/python bench/dashboard_render.py --reuse      # measure the kept database again

1. Creates a fresh database, migrates it and loads what the two pages read: 200 dealers of one region,
   their dealer-day facts over the two years ending yesterday (146,000 rows, loaded with COPY), monthly
   output-value budgets per dealer (KpiTarget), and a regional manager. The overview and the league table
   read only facts and targets, so no work orders are needed (the KPI engine's own benchmark,
   bench/kpi_rollup.py, times building the facts from 1 M+ work orders).
2. Runs kpi.warmup.warm_dashboards, what the roll-up tasks queue right after the facts are written (it
   renders each picker period of both pages in both languages into the dashboards' cache), and times it.
3. Renders each page through the whole stack (Django's request handler with every middleware, a session
   cookie, authentication, policy scoping, kpi.selectors, templates) as the regional manager, default
   period (month to date): first the manager's first view after the warm-up (one render each), then
   `--runs` times; prints the median and 90th percentile and the number of queries. The pages are measured
   as a manager gets them (after the warm-up, from the cache; the facts change once a night), and "cold",
   with the cache emptied before every render (a period nobody has opened since the roll-up, such as a
   custom range).
4. Baselines measured in the same process and run:
   - bare: a login-protected page extending base.html with one heading (session, user, header, nav);
   - bare table: the same, plus the league's 200 × 15 table from precomputed strings (the cost of
     printing that much HTML at all, without reading or computing anything).
Goals (issue 6): overview and league each < 300 ms, and ≤ 3 × the bare page. The exit code says whether
the renders a manager gets after the roll-up (warmed) meet both; the cold ones are printed against the
same goals for information.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import types
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEALERS = 200
DAYS = 730
GOAL_MS = 300.0
GOAL_RATIO = 3.0


def admin_sql(server: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "aftersales.settings.local"
    os.environ["DEBUG"] = "0"  # production-like: cached template loader, no debug toolbar of any kind
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def load(seed: int = 6) -> dict[str, int]:
    """Dealers, a regional manager, budgets and facts. Returns counts."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from dealers.choices import CityTier, DealerKind, Role
    from dealers.models import Dealer, Membership, Region
    from kpi.models import KpiTarget

    rng = random.Random(seed)
    end = timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=DAYS - 1)
    kinds = [DealerKind.STORE_4S] * 6 + [DealerKind.QUICK_REPAIR] * 2 + [DealerKind.BODY_PAINT, DealerKind.NEV_CENTRE]
    with transaction.atomic():
        region = Region.objects.create(code="bench", name="华东区")
        dealers = Dealer.objects.bulk_create([
            Dealer(region=region, code=f"D{i:03d}", name=f"经销商{i:03d}", kind=rng.choice(kinds), city=f"城市{i % 40}",
                   city_tier=rng.choice(list(CityTier.values)), bays=rng.randint(6, 30), labour_cost_rate=60)
            for i in range(DEALERS)
        ])
        manager = get_user_model().objects.create_user("manager", "manager@example.com", "bench-pass-123")
        Membership.objects.create(user=manager, role=Role.REGIONAL_MANAGER, region=region)
        months = []
        month = start.replace(day=1)
        while month <= end:
            months.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        KpiTarget.objects.bulk_create([
            KpiTarget(kpi="output_value", dealer=dealer, month=m, value=Decimal(rng.randint(600, 2400) * 1000))
            for dealer in dealers for m in months
        ])
    columns = [
        "dealer_id", "day", "delivered_count", "output_value", "gross_profit", "cycle_hours", "promised_count",
        "on_time_count", "ftf_eligible", "ftf_ok", "nev_count", "returning_count", "accident_count",
        "flat_rate_hours", "actual_hours", "capacity_hours", "opened_count", "online_opened", "ext_eligible",
        "ext_sold", "survey_count", "csi_sum", "promoters", "detractors", "complaints_opened",
        "complaints_resolved_48h", "complaints_closed", "closure_hours", "escalated_count",
        "parts_lines_requested", "parts_lines_filled", "issue_cost", "issue_cost_90d", "inventory_value",
        "slow_moving_value", "dead_stock_value", "urgent_received", "urgent_hours", "technicians_active",
        "technicians_hv", "computed_at",
    ]
    now = timezone.now().isoformat()
    rows = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor: COPY FROM STDIN
        with raw.copy(f"COPY kpi_dealerdayfact ({', '.join(columns)}) FROM STDIN") as copy:
            # Day by day, every dealer for each day: the order in which the nightly roll-up writes them.
            profiles = {dealer.pk: (rng.uniform(0.5, 2.0), rng.uniform(0.85, 0.99), Decimal(rng.randint(300, 1500) * 1000))
                        for dealer in dealers}
            for offset in range(DAYS):
                day = start + dt.timedelta(days=offset)
                for dealer in dealers:
                    size, quality, inventory = profiles[dealer.pk]
                    n = max(0, int(rng.gauss(30 * size, 6)))
                    output = Decimal(n * rng.randint(700, 1400))
                    eligible = int(n * 0.35)
                    surveys = int(n * 0.4)
                    complaints = rng.random() < 0.3
                    lines = n * 2
                    copy.write_row([
                        dealer.pk, day, n, output, (output * Decimal("0.42")).quantize(Decimal("0.01")),
                        Decimal(n * 5), n, int(n * quality), eligible, int(eligible * quality), int(n * 0.2),
                        int(n * 0.55), int(n * 0.15), Decimal(n * 2), Decimal(n * 1.8),
                        Decimal(dealer.bays * 9.5), n + 1, int(n * 0.4), int(n * 0.5), int(n * 0.07), surveys,
                        Decimal(surveys * 96), int(surveys * 0.7), int(surveys * 0.1), int(complaints),
                        int(complaints and rng.random() < 0.9), int(complaints), Decimal(30 if complaints else 0), 0,
                        lines, int(lines * quality), output * Decimal("0.2"), output * Decimal("18"), inventory,
                        inventory * Decimal("0.08"), inventory * Decimal("0.02"), rng.randint(0, 2),
                        Decimal(rng.randint(0, 80)), 15, rng.randint(6, 15), now,
                    ])
                    rows += 1
        cursor.execute("ANALYZE kpi_dealerdayfact")
        cursor.execute("ANALYZE kpi_kpitarget")
        cursor.execute("ANALYZE dealers_dealer")
    return {"dealers": len(dealers), "facts": rows, "targets": KpiTarget.objects.count()}


def baseline_urlconf():
    """The project's URLs plus the two baseline pages, as a module Django can route with."""
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import include, path

    bare = engines["django"].from_string(
        '{% extends "base.html" %}{% block content %}<h1>Bare</h1><p>Nothing but the page.</p>{% endblock %}'
    )
    table = engines["django"].from_string(
        '{% extends "base.html" %}{% block content %}<h1>Bare table</h1><table><thead><tr>'
        "{% for h in headers %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>"
        '{% for row in rows %}<tr>{% for c in row %}<td><a href="{{ c.1 }}">{{ c.0 }}</a></td>{% endfor %}</tr>'
        "{% endfor %}</tbody></table>{% endblock %}"
    )
    headers = [f"Column {i}" for i in range(15)]
    rows = [[(f"{r * 1000 + c:,}", f"/kpi/csi/?dealer={r}") for c in range(15)] for r in range(DEALERS)]

    @login_required
    def bare_view(request):
        return HttpResponse(bare.render({}, request))

    @login_required
    def table_view(request):
        return HttpResponse(table.render({"headers": headers, "rows": rows}, request))

    module = types.ModuleType("bench_dashboard_urls")
    module.urlpatterns = [
        path("bench/bare/", bare_view),
        path("bench/table/", table_view),
        path("", include("aftersales.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


class Browser:
    """Requests straight into Django's request handler (every middleware, session cookie, no network and
    none of the test client's instrumentation, which copies each template's context for assertions)."""

    def __init__(self, user) -> None:
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django.core.handlers.base import BaseHandler
        from django.test import RequestFactory

        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
        self.factory = RequestFactory(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en", HTTP_COOKIE=self.cookie)
        self.handler = BaseHandler()
        self.handler.load_middleware()

    def get(self, url: str):
        return self.handler.get_response(self.factory.get(url))


def measure(client: Browser, pages: dict[str, tuple[str, bool]], runs: int) -> dict[str, dict]:
    """Median and p90 of `runs` renders of each page, interleaved round by round so that the load of a
    shared machine weighs on every page alike. A page marked cold has the dashboards' cache emptied just
    before each of its renders (untimed); the cache is refilled (untimed) before the warm ones."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url, _cold in pages.values():  # warm-up: template loading, first connection, PostgreSQL's caches
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(runs):
        for url, _cold in pages.values():
            client.get(url)  # refill whatever the previous round's cold renders emptied
        for name, (url, cold) in sorted(pages.items(), key=lambda item: item[1][1]):  # warm ones first
            if cold:
                cache.clear()
            began = time.perf_counter()
            response = client.get(url)
            times[name].append((time.perf_counter() - began) * 1000)
    results = {}
    for name, (url, cold) in pages.items():
        if cold:
            cache.clear()
        else:
            client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        ordered = sorted(times[name])
        results[name] = {
            "median": statistics.median(ordered),
            "p90": ordered[max(0, int(round(0.9 * len(ordered))) - 1)],
            "queries": len(queries),
            "bytes": len(response.content),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="as_dash_bench", help="database to (re)create")
    parser.add_argument("--reuse", action="store_true", help="measure the database kept by a previous --keep")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--runs", type=int, default=20, help="timed renders per page (default 20)")
    args = parser.parse_args()
    url = f"{args.server}/{args.database}"

    if not args.reuse:
        print(f"Creating {args.database}: {DEALERS} dealers × {DAYS} days of facts")
        admin_sql(args.server, f'DROP DATABASE IF EXISTS "{args.database}"', f'CREATE DATABASE "{args.database}"')
        migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
                                 env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
        if migrate.returncode:
            raise SystemExit("migrate failed")
    setup_django(url)
    if not args.reuse:
        began = time.monotonic()
        counts = load()
        print(f"  loaded in {time.monotonic() - began:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test.utils import override_settings

    from kpi.warmup import warm_dashboards

    with override_settings(ROOT_URLCONF=baseline_urlconf()):
        client = Browser(get_user_model().objects.get(username="manager"))
        client.get("/bench/bare/")  # the first connection and the templates' loading, outside every timing
        cache.clear()
        warm = warm_dashboards()
        print(f"  warm-up after the roll-up: {warm.pages} pages for {warm.scopes} scope(s) in {warm.seconds:.2f} s"
              f" ({warm.failed} failed)")
        first = {}
        for name, url in (("overview", "/kpi/"), ("league", "/kpi/league/")):
            began = time.perf_counter()
            assert client.get(url).status_code == 200
            first[name] = (time.perf_counter() - began) * 1000
        pages = {
            "bare page": ("/bench/bare/", False),
            "bare 200×15 table": ("/bench/table/", False),
            "region overview": ("/kpi/", False),
            "league table": ("/kpi/league/", False),
            "overview, cold": ("/kpi/", True),
            "league, cold": ("/kpi/league/", True),
        }
        results = measure(client, pages, args.runs)

    bare = results["bare page"]["median"]
    table = results["bare 200×15 table"]["median"]
    print(f"\nServer-side render, median of {args.runs} (PostgreSQL {settings.DATABASES['default']['NAME']}, "
          f"DEBUG={settings.DEBUG}):")
    print(f"  {'page':<20} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'KiB':>6} {'× bare':>7} {'× bare table':>13}")
    for name, r in results.items():
        print(f"  {name:<20} {r['median']:>10.1f} {r['p90']:>8.1f} {r['queries']:>8} {r['bytes'] / 1024:>6.0f} "
              f"{r['median'] / bare:>7.2f} {r['median'] / table:>13.2f}")
    print(f"  first view after the warm-up: overview {first['overview']:.1f} ms ({first['overview'] / bare:.2f} × bare), "
          f"league {first['league']:.1f} ms ({first['league'] / bare:.2f} × bare)")
    ok = warm.failed == 0
    for name in ("region overview", "league table", "overview, cold", "league, cold"):
        median = results[name]["median"]
        ratio = median / bare
        verdict = "ok" if median < GOAL_MS and ratio <= GOAL_RATIO else "MISSED"
        if "cold" not in name:
            ok &= verdict == "ok"
        print(f"  goal {name}: < {GOAL_MS:.0f} ms and ≤ {GOAL_RATIO:.0f} × bare → {median:.1f} ms, "
              f"{ratio:.2f} × bare: {verdict}")

    if not args.keep:
        from django.db import connections

        connections.close_all()
        admin_sql(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
