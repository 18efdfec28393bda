"""Benchmark of the KPI roll-up on PostgreSQL against a hand-written floor, measured in the same run.

    .venv/bin/python bench/kpi_rollup.py --n 1000000          # 1 M work orders (default)
    .venv/bin/python bench/kpi_rollup.py --n 10000000         # the headline size (disk: ~15 GB)

1. Creates a fresh database (default as_kpi_bench), migrates it, and loads with COPY: 200 dealers over two
   years, N work orders with their labour and parts lines, customers and vehicles (one per four work
   orders), the stock ledger (an issue per filled parts line, quarterly receipts), surveys, complaints,
   urgent parts orders, technicians and certifications. Indexes that back no constraint are dropped for
   the load and rebuilt after; foreign-key triggers are off during COPY (the generator keeps the keys
   consistent); then ANALYZE.
2. Times, each in a child process (so its peak RSS is its own, from os.wait4):
   - floor: one hand-written SQL statement, a single GROUP BY dealer and local day over the work-order
     table (joined to the dealer for the labour cost rate) computing the work-order measures that need
     no other row — delivered: count, output, gross profit, cycle hours, promised, on time, repair and
     warranty count, accidents, flat-rate and actual hours; opened: count, online, extended warranty
     sold — materialised into a temporary table. It leaves out what needs other rows (comebacks,
     returning customers, vehicles) and every other source, so it is a lower bound.
   - full: kpi.services.kpi_rollup over the two years, every dealer (one 731-day transaction, its dealer
     partitions written on kpi.services.ROLLUP_CONNECTIONS connections at once); and the same range
     through `rollup_kpis` (92-day steps, each starting from the checkpoint the one before left).
   - the nightly window (35 days, 200 dealers): first after the rebuild (its checkpoint is far back), then
     in the steady state (starting from the checkpoint the previous night left);
   - day: one day for 200 dealers after the day before was rolled up (best of three), and cold (no
     checkpoint: the whole ledger is read).
   Prints each time, the ratio to the floor, and the peak RSS of each child.
Goals: full ≤ 2 × floor; day < 1 s; peak memory < 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEALERS = 200
DAYS = 730
START = dt.date(2024, 1, 1)
END = START + dt.timedelta(days=DAYS - 1)
PARTS = 2000
ASSORTMENT = 300  # parts a dealer stocks
TECHNICIANS_PER_DEALER = 15
TZ = "Asia/Shanghai"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
EPOCH = dt.datetime.combine(START, dt.time.min, tzinfo=SHANGHAI).astimezone(dt.UTC)

TYPES = ["maintenance"] * 45 + ["repair"] * 25 + ["accident"] * 12 + ["warranty"] * 10 + ["recall"] * 5 + ["pdi"] * 3
CHANNELS = ["walk_in"] * 50 + ["online"] * 35 + ["fleet"] * 10 + ["insurance"] * 5
POWERTRAINS = ["ICE"] * 60 + ["HEV"] * 20 + ["BEV"] * 12 + ["PHEV"] * 6 + ["EREV"] * 2

FLOOR_SQL = f"""
CREATE TEMP TABLE bench_floor AS
SELECT w.dealer_id, e.day,
    COUNT(*) FILTER (WHERE e.kind = 'd') AS delivered_count,
    SUM(w.labour_amount + w.parts_amount) FILTER (WHERE e.kind = 'd') AS output_value,
    SUM(w.labour_amount + w.parts_amount - w.parts_cost - w.actual_hours * d.labour_cost_rate)
        FILTER (WHERE e.kind = 'd') AS gross_profit,
    SUM(EXTRACT(EPOCH FROM w.delivered_at - w.opened_at)) FILTER (WHERE e.kind = 'd') / 3600 AS cycle_hours,
    COUNT(w.promised_at) FILTER (WHERE e.kind = 'd') AS promised_count,
    COUNT(*) FILTER (WHERE e.kind = 'd' AND w.delivered_at <= w.promised_at) AS on_time_count,
    COUNT(*) FILTER (WHERE e.kind = 'd' AND w.type IN ('repair', 'warranty')) AS ftf_eligible,
    COUNT(*) FILTER (WHERE e.kind = 'd' AND w.type = 'accident') AS accident_count,
    SUM(w.flat_rate_hours) FILTER (WHERE e.kind = 'd') AS flat_rate_hours,
    SUM(w.actual_hours) FILTER (WHERE e.kind = 'd') AS actual_hours,
    COUNT(*) FILTER (WHERE e.kind = 'o') AS opened_count,
    COUNT(*) FILTER (WHERE e.kind = 'o' AND w.channel = 'online') AS online_opened,
    COUNT(*) FILTER (WHERE e.kind = 'o' AND w.extended_warranty_sold) AS ext_sold
FROM workorders_workorder w
JOIN dealers_dealer d ON d.id = w.dealer_id
CROSS JOIN LATERAL (VALUES
    ('d', CASE WHEN w.status = 'delivered' THEN (w.delivered_at AT TIME ZONE '{TZ}')::date END),
    ('o', (w.opened_at AT TIME ZONE '{TZ}')::date)
) AS e(kind, day)
WHERE w.status <> 'cancelled' AND e.day IS NOT NULL
GROUP BY 1, 2
"""


# --- data generation ---------------------------------------------------------------------------


def ts(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00")


class Writers:
    """One COPY text file per table, written in a single pass over the work orders."""

    TABLES = {
        "dealers_region": "id, code, name, timezone, currency",
        "dealers_dealer": "id, code, name, kind, city, city_tier, bays, opens_at, closes_at, labour_cost_rate, "
        "opened_on, active, updated_at, region_id",
        "parts_part": "id, number, name, category, is_nev, cost, price, active, updated_at",
        "workorders_customer": "id, name, phone, kind, gender, vip, created_at, updated_at, dealer_id",
        "workorders_vehicle": "id, vin, plate, brand, model, powertrain, model_year, first_registered_on, mileage_km, "
        "updated_at, owner_id",
        "workorders_workorder": "id, number, type, channel, status, opened_at, promised_at, delivered_at, concern, "
        "cause, correction, extended_warranty_sold, labour_amount, parts_amount, parts_cost, flat_rate_hours, "
        "actual_hours, signature, progress_token, created_at, updated_at, comeback_of_id, customer_id, dealer_id, "
        "vehicle_id",
        "workorders_labourline": "id, op_code, description, flat_rate_hours, actual_hours, amount, technician_id, "
        "work_order_id",
        "workorders_partsline": "id, quantity, returned_quantity, unit_price, unit_cost, filled_from_stock, "
        "requested_at, part_id, work_order_id, dealer_id",
        "parts_stockmovement": "id, kind, quantity, unit_cost, at, reason, dealer_id, part_id, parts_line_id",
        "workorders_survey": "id, answered_at, attitude_score, price_transparency_score, on_time_score, quality_score, "
        "facility_score, recommend, comment, updated_at, dealer_id, work_order_id",
        "workorders_complaint": "id, channel, category, severity, description, resolution, opened_at, resolved_at, "
        "closed_at, escalated, escalated_at, updated_at, dealer_id, customer_id, work_order_id",
        "parts_partsorder": "id, number, kind, status, ordered_at, received_at, updated_at, dealer_id, work_order_id",
        "training_certificationtype": "id, code, name, validity_months",
        "training_technician": "id, employee_code, name, level, active, hired_on, left_on, updated_at, dealer_id",
        "training_certification": "id, issued_on, expires_on, certificate_number, updated_at, type_id, technician_id",
    }

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files = {t: open(directory / f"{t}.tsv", "w", buffering=1 << 20) for t in self.TABLES}  # noqa: SIM115
        self.counts = dict.fromkeys(self.TABLES, 0)

    def row(self, table: str, *values: object) -> None:
        self.files[table].write("\t".join("\\N" if v is None else str(v) for v in values) + "\n")
        self.counts[table] += 1

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def generate(n: int, directory: Path, seed: int = 20250101) -> dict[str, int]:
    rnd = random.Random(seed)
    w = Writers(directory)
    now = ts(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    w.row("dealers_region", 1, "bench", "Bench region", TZ, "CNY")
    rates = {}
    for d in range(1, DEALERS + 1):
        rates[d] = rnd.randint(40, 90)
        w.row("dealers_dealer", d, f"B{d:03d}", f"Dealer {d}", "4s", "City", 1 + d % 4, rnd.randint(4, 20),
              "08:30:00", "18:00:00", rates[d], None, "t", now, 1)
    costs = {}
    for p in range(1, PARTS + 1):
        costs[p] = rnd.randint(5, 2000)
        w.row("parts_part", p, f"BP{p:06d}", f"Part {p}", "maintenance", "f", costs[p], costs[p] * 2, "t", now)
    customers = max(n // 4, DEALERS)
    for c in range(1, customers + 1):
        dealer = 1 + c % DEALERS
        w.row("workorders_customer", c, f"C{c}", f"1{c:010d}", "individual", "", "f", now, now, dealer)
        year = rnd.randint(2014, 2025)
        registered = f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}" if rnd.random() < 0.7 else None
        w.row("workorders_vehicle", c, f"BV{c:015d}", f"P{c}", "Brand", "Model", rnd.choice(POWERTRAINS), year,
              registered, 0, now, c)
    w.row("training_certificationtype", 1, "HV", "HV", 24)
    technician = 0
    for d in range(1, DEALERS + 1):
        for _ in range(TECHNICIANS_PER_DEALER):
            technician += 1
            hired = START - dt.timedelta(days=rnd.randint(0, 2000))
            left = START + dt.timedelta(days=rnd.randint(30, DAYS)) if rnd.random() < 0.15 else None
            w.row("training_technician", technician, f"T{technician}", f"Tech {technician}", "junior", "t", hired,
                  left, now, d)
            if rnd.random() < 0.6:
                issued = START + dt.timedelta(days=rnd.randint(-400, DAYS))
                w.row("training_certification", technician, issued, issued + dt.timedelta(days=730), "", now, 1,
                      technician)

    step = DAYS * 86400 / n
    last_open = EPOCH + dt.timedelta(days=DAYS - 2)
    labour_id = parts_id = movement_id = survey_id = complaint_id = order_id = 0
    issued_per_dealer_part: dict[tuple[int, int], int] = {}
    for i in range(1, n + 1):
        opened = EPOCH + dt.timedelta(seconds=i * step + rnd.uniform(0, step))
        customer = rnd.randint(1, customers)
        dealer = 1 + customer % DEALERS
        kind = rnd.choice(TYPES)
        if opened > last_open:
            status = "in_progress"
        else:
            status = "cancelled" if rnd.random() < 0.04 else "delivered"
        delivered = opened + dt.timedelta(hours=rnd.uniform(1, 48)) if status == "delivered" else None
        promised = opened + dt.timedelta(hours=rnd.uniform(2, 40)) if rnd.random() < 0.85 else None
        comeback_of = None
        if kind in ("repair", "warranty") and rnd.random() < 0.04:
            comeback_of = max(1, i - int(rnd.uniform(1, 40) * n / DAYS))
            comeback_of = comeback_of if comeback_of != i else None
        labour = parts_amount = parts_cost = flat = actual = 0.0
        for _ in range(rnd.randint(1, 2)):
            labour_id += 1
            f = round(rnd.uniform(0.3, 4), 2)
            a = round(f * rnd.uniform(0.7, 1.2), 2)
            amount = round(f * 300, 2)
            flat, actual, labour = flat + f, actual + a, labour + amount
            w.row("workorders_labourline", labour_id, "OP", "", f, a, amount, None, i)
        for _ in range(rnd.randint(0, 3)):
            parts_id += 1
            part = 1 + (dealer * 131 + rnd.randrange(ASSORTMENT)) % PARTS
            quantity = rnd.randint(1, 2)
            filled = rnd.random() < 0.92
            requested = opened + dt.timedelta(minutes=30)
            parts_amount += quantity * costs[part] * 2
            parts_cost += quantity * costs[part]
            w.row("workorders_partsline", parts_id, quantity, 0, costs[part] * 2, costs[part], "t" if filled else "f",
                  ts(requested), part, i, dealer)
            if filled and status != "cancelled":
                movement_id += 1
                w.row("parts_stockmovement", movement_id, "issue", -quantity, costs[part], ts(requested), "", dealer,
                      part, parts_id)
                issued_per_dealer_part[(dealer, part)] = issued_per_dealer_part.get((dealer, part), 0) + quantity
        w.row("workorders_workorder", i, f"RO{i}", kind, rnd.choice(CHANNELS), status, ts(opened),
              ts(promised) if promised else None, ts(delivered) if delivered else None, "", "", "",
              "t" if rnd.random() < 0.12 else "f", round(labour, 2), round(parts_amount, 2), round(parts_cost, 2),
              round(flat, 2), round(actual, 2), "", f"bench{i}", ts(opened), ts(opened), comeback_of, customer,
              dealer, customer)
        if delivered is not None and rnd.random() < 0.3:
            survey_id += 1
            answered = delivered + dt.timedelta(days=rnd.uniform(1, 7))
            scores = [rnd.randint(60, 100) for _ in range(5)]
            w.row("workorders_survey", survey_id, ts(answered), *scores, rnd.choice([10, 10, 9, 9, 8, 7, 6, 3]), "", now,
                  dealer, i)
        if delivered is not None and rnd.random() < 0.01:
            complaint_id += 1
            c_opened = delivered + dt.timedelta(days=1)
            resolved = c_opened + dt.timedelta(hours=rnd.uniform(4, 96)) if rnd.random() < 0.85 else None
            closed = resolved + dt.timedelta(hours=2) if resolved else None
            escalated = resolved is None and rnd.random() < 0.2
            w.row("workorders_complaint", complaint_id, "phone", "waiting", "medium", "", "", ts(c_opened),
                  ts(resolved) if resolved else None, ts(closed) if closed else None, "t" if escalated else "f",
                  ts(c_opened + dt.timedelta(hours=6)) if escalated else None, now, dealer, customer, i)
        if rnd.random() < 0.02:
            order_id += 1
            ordered = opened + dt.timedelta(hours=1)
            w.row("parts_partsorder", order_id, f"PO{order_id}", "urgent", "received", ts(ordered),
                  ts(ordered + dt.timedelta(hours=rnd.uniform(12, 96))), now, dealer, i)
    # Quarterly receipts of what each dealer issues, plus a starting stock, from 1 Jan 2024.
    quarters = [dt.datetime.combine(START, dt.time(2), tzinfo=dt.UTC) + dt.timedelta(days=91 * q) for q in range(8)]
    for (dealer, part), issued in sorted(issued_per_dealer_part.items()):
        per_quarter = max(1, round(issued * 1.1 / len(quarters)))
        for q, at in enumerate(quarters):
            movement_id += 1
            quantity = per_quarter + (5 if q == 0 else 0)
            w.row("parts_stockmovement", movement_id, "receipt", quantity, costs[part], ts(at), "", dealer, part, None)
    w.close()
    return w.counts


# --- database ----------------------------------------------------------------------------------


def admin_sql(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def load(database_url: str, directory: Path) -> None:
    import psycopg

    tables = list(Writers.TABLES)
    with psycopg.connect(database_url) as conn:
        # Indexes that back no constraint: dropped for the load, rebuilt after (the usual bulk-load path).
        indexes = conn.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                   SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [tables],
        ).fetchall()
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("SET session_replication_role = replica")  # no FK triggers during COPY
        for table in tables:
            path = directory / f"{table}.tsv"
            began = time.monotonic()
            with conn.cursor().copy(f"COPY {table} ({Writers.TABLES[table]}) FROM STDIN") as copy, open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            print(f"  COPY {table:30s} {path.stat().st_size / 1e6:9.1f} MB in {time.monotonic() - began:6.1f} s", flush=True)
        conn.execute("SET session_replication_role = DEFAULT")
        conn.commit()
        began = time.monotonic()
        for _name, definition in indexes:
            conn.execute(definition)
        conn.commit()
        print(f"  rebuilt {len(indexes)} indexes in {time.monotonic() - began:.1f} s", flush=True)
    admin_sql(database_url, "VACUUM ANALYZE")


# --- measured phases (each in its own process) -------------------------------------------------


def phase(name: str, database_url: str, first: dt.date | None, last: dt.date | None) -> dict:
    django_setup(database_url)
    from django.db import connection

    from kpi import services
    from kpi.models import DealerDayFact, StockCheckpoint
    from kpi.services import kpi_rollup

    if name == "cold":  # no checkpoint to start from: the roll-up reads the whole ledger
        StockCheckpoint.objects.all().delete()
    began = time.monotonic()
    if name == "floor":
        with connection.cursor() as cursor:
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute(FLOOR_SQL)
            cursor.execute("SELECT count(*) FROM bench_floor")
            rows = cursor.fetchone()[0]
    elif name in ("rollup", "cold"):
        rows = kpi_rollup(start=first, end=last).rows
        assert DealerDayFact.objects.filter(day=last).count() == DEALERS
    elif name == "command":  # what `rollup_kpis --from … --to …` does: 92-day chunks
        from django.core.management import call_command

        StockCheckpoint.objects.all().delete()
        call_command("rollup_kpis", "--from", first.isoformat(), "--to", last.isoformat(), "--no-progress",
                     stdout=io.StringIO())
        rows = DealerDayFact.objects.count()
        assert DealerDayFact.objects.filter(day=last).count() == DEALERS
    elif name == "orm":
        rows = kpi_rollup(start=first, end=last, engine="orm").rows
    else:
        raise SystemExit(f"unknown phase {name}")
    result = {"phase": name, "seconds": time.monotonic() - began, "rows": rows}
    if name == "rollup":  # what a comparison with the floor should know, read after the clock stopped
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            result.update(connections=services.ROLLUP_CONNECTIONS, floor_workers=int(cursor.fetchone()[0]))
    return result


def table_sizes(url: str) -> str:
    import psycopg

    tables = ("workorders_workorder", "workorders_partsline", "parts_stockmovement", "workorders_survey",
              "workorders_vehicle", "workorders_complaint", "parts_partsorder")
    with psycopg.connect(url) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    return ", ".join(f"{t.split('_', 1)[1]} {c:,}" for t, c in counts.items())


def run_child(name: str, database_url: str, first: dt.date | None = None, last: dt.date | None = None) -> dict:
    command = [sys.executable, __file__, "--phase", name, "--database-url", database_url]
    if first:
        command += ["--first", first.isoformat(), "--last", last.isoformat()]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"phase {name} failed ({proc.returncode})")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="work orders to load (default 1,000,000)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="as_kpi_bench", help="database to (re)create")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database of a previous run")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--orm", action="store_true", help="also time the portable ORM engine over 31 days")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the floor and the full rebuild (best kept)")
    parser.add_argument("--skip-command", action="store_true", help="do not time the rebuild through rollup_kpis")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    parser.add_argument("--last", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.database_url, args.first, args.last)))
        return

    url = f"{args.server}/{args.database}"
    if not args.reuse:
        print(f"Creating {args.database} and loading {args.n:,} work orders ({DEALERS} dealers, {START} … {END})")
        admin_sql(f"{args.server}/postgres", f'DROP DATABASE IF EXISTS "{args.database}"', f'CREATE DATABASE "{args.database}"')
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"},
    )
    if migrate.returncode:
        raise SystemExit("migrate failed")
    if not args.reuse:
        with tempfile.TemporaryDirectory(prefix="kpi_bench_") as tmp:
            began = time.monotonic()
            counts = generate(args.n, Path(tmp))
            print(f"  generated in {time.monotonic() - began:.1f} s: " + ", ".join(
                f"{t.split('_', 1)[1]} {c:,}" for t, c in counts.items() if c > DEALERS))
            load(url, Path(tmp))

    day = dt.timedelta(days=1)
    results = {}
    if not args.skip_command:
        results["command"] = run_child("command", url, START, END)
    floor_runs, full_runs = [], []
    for _ in range(max(args.repeat, 1)):
        # Alternated, so both see the same share of whatever else the machine is doing.
        floor_runs.append(run_child("floor", url))
        full_runs.append(run_child("rollup", url, START, END))
    floor_runs.append(run_child("floor", url))
    results["floor"] = min(floor_runs, key=lambda r: r["seconds"])
    results["full"] = min(full_runs, key=lambda r: r["seconds"])
    # Yesterday's nightly run, the first after the rebuild: its newest usable checkpoint is months back,
    # so it reads months of ledger.
    results["catch-up"] = run_child("rollup", url, END - 35 * day, END - day)
    # Tonight's: starts from the checkpoint yesterday's run left at its first day.
    results["trailing"] = run_child("rollup", url, END - 34 * day, END)
    # One day after the day before was rolled up (the steady state of a daily run), best of three.
    run_child("rollup", url, END - day, END - day)
    day_runs = [run_child("rollup", url, END, END) for _ in range(3)]
    results["day"] = min(day_runs, key=lambda r: r["seconds"])
    results["cold-day"] = run_child("cold", url, END, END)
    if args.orm:
        results["orm"] = run_child("orm", url, END - 30 * day, END)

    floor = results["floor"]["seconds"]
    out = io.StringIO()
    print(f"\nKPI roll-up benchmark, N = {args.n:,} work orders, {DEALERS} dealers, {DAYS} days (PostgreSQL)", file=out)
    print(f"{'phase':<34}{'seconds':>10}{'× floor':>10}{'rows':>10}{'peak RSS':>12}", file=out)
    labels = {
        "floor": "floor: one GROUP BY (hand SQL)",
        "command": "rebuild by rollup_kpis (92-day steps)",
        "full": "full rebuild, 730 days (kpi_rollup)",
        "catch-up": "nightly: first after the rebuild",
        "trailing": "nightly (35 days), steady state",
        "day": "one day, 200 dealers (best of 3)",
        "cold-day": "one day, no checkpoint (cold)",
        "orm": "ORM engine, 31 days",
    }
    for key in sorted(results, key=list(labels).index):
        result = results[key]
        print(f"{labels[key]:<34}{result['seconds']:>10.2f}{result['seconds'] / floor:>10.2f}{result['rows']:>10,}"
              f"{result['peak_rss_mb']:>9.0f} MB", file=out)
    peak = max(r["peak_rss_mb"] for k, r in results.items() if k != "floor")
    print(f"\nGoals: full ≤ 2 × floor: {results['full']['seconds'] / floor:.2f} × "
          f"({'met' if results['full']['seconds'] <= 2 * floor else 'NOT met'}); "
          f"one day < 1 s: {results['day']['seconds']:.2f} s ({'met' if results['day']['seconds'] < 1 else 'NOT met'}); "
          f"peak RSS < 300 MB: {peak:.0f} MB ({'met' if peak < 300 else 'NOT met'})", file=out)
    day_times = ", ".join(f"{r['seconds']:.2f}" for r in day_runs)
    floor_times = ", ".join(f"{r['seconds']:.2f}" for r in floor_runs)
    full_times = ", ".join(f"{r['seconds']:.2f}" for r in full_runs)
    print(f"Runs (s): floor {floor_times}; full {full_times}; one day {day_times}", file=out)
    print(f"Cores: {os.cpu_count()}; the rebuild writes on {results['full']['connections']} connections at once; "
          f"the floor's statement may use {results['full']['floor_workers']} parallel workers "
          "(max_parallel_workers_per_gather)", file=out)
    print("Tables the rebuild reads (the floor reads only the work orders): " + table_sizes(url), file=out)
    print(out.getvalue())
    if not args.keep:
        admin_sql(f"{args.server}/postgres", f'DROP DATABASE IF EXISTS "{args.database}"')


if __name__ == "__main__":
    main()
