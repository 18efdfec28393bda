"""Benchmarks of the DMS API on PostgreSQL, each against a baseline measured in the same run.

    ingest  POST work-orders/bulk/ (Django test client, in-process; 3 labour + 4 parts lines per work
            order) → work orders per second, and the ratio to COPYing the same rows (customers, vehicles,
            work orders, labour and parts lines) into the same tables.
    list    GET work-orders/?dealer=…&opened_after=…&opened_before=… over a COPY-loaded table of --rows work
            orders: server time of the first, middle and last page (keyset cursor), against the time of the
            bare SQL that page needs (same run).

Run on a database of its own (it migrates it, and `list` bulk-loads it):

    createdb -h 127.0.0.1 -U postgres as_api_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/as_api_bench .venv/bin/python bench/api_ingest.py ingest
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/as_api_bench .venv/bin/python bench/api_ingest.py list --rows 10000000

Without a command it runs both with their defaults. `ingest --gunicorn 2` posts through a real gunicorn with two
workers and two clients; `ingest --repeat 5` measures five times and reports the median and range;
`list --reuse --with-lines` measures again on the table loaded before.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.test")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TAG = f"{int(time.time()) % 100000:05d}"
LABOUR_LINES, PARTS_LINES = 3, 4


def _setup(dealers: int, technicians: int, parts: int, suffix: str = ""):
    from aftersales.api.authentication import api_token_issue
    from dealers.models import ApiTokenAccess, ApiTokenScope, Dealer, Region
    from parts.models import Part
    from training.models import Technician

    region = Region.objects.create(code=f"bench-{TAG}{suffix}", name=f"Bench {TAG}{suffix}")
    dealer_objs = Dealer.objects.bulk_create(
        Dealer(region=region, code=f"B{TAG}{suffix}-{n:03d}", name=f"Bench dealer {n}", kind="4s", city="杭州", city_tier=2,
               bays=12)
        for n in range(dealers)
    )
    Technician.objects.bulk_create(
        Technician(dealer=d, employee_code=f"T{n:02d}", name=f"技师{n}") for d in dealer_objs for n in range(technicians)
    )
    Part.objects.bulk_create(
        Part(number=f"P{TAG}{suffix}-{n:05d}", name=f"Part {n}", category="maintenance", cost=Decimal("40.00"),
             price=Decimal("70.00"))
        for n in range(parts)
    )
    _token, raw = api_token_issue(name="bench", region=region, access=ApiTokenAccess.READ_WRITE,
                                  scope=ApiTokenScope.REGION)
    return region, dealer_objs, raw


def _payload(i: int, dealer_code: str, rng: random.Random, parts: int, technicians: int) -> dict:
    opened = dt.datetime(2025, 1, 1, 8, tzinfo=SHANGHAI) + dt.timedelta(minutes=7 * i)
    return {
        "dealer": dealer_code,
        "external_id": f"RO{TAG}-{i:08d}",
        "number": f"N{TAG}{i:08d}",
        "type": rng.choice(["maintenance", "repair", "warranty", "accident"]),
        "channel": rng.choice(["walk_in", "online", "fleet"]),
        "status": "delivered",
        "opened_at": opened.isoformat(),
        "promised_at": (opened + dt.timedelta(hours=6)).isoformat(),
        "delivered_at": (opened + dt.timedelta(hours=5)).isoformat(),
        "customer": {"external_id": f"C{TAG}-{i // 3:08d}", "name": f"客户{i // 3}", "phone": f"139{i:08d}",
                     "kind": "individual"},
        "vehicle": {"vin": f"LBV{TAG[:4]}{i:010d}", "brand": "示例", "model": "S5", "powertrain": "BEV",
                    "model_year": 2023, "mileage_km": 10000 + i},
        "extended_warranty_sold": False,
        "labour_lines": [
            {"op_code": f"OP{n}", "description": "工时", "flat_rate_hours": "1.50", "actual_hours": "1.25",
             "technician": f"T{rng.randrange(technicians):02d}", "amount": "240.00"}
            for n in range(LABOUR_LINES)
        ],
        "parts_lines": [
            {"part_number": f"P{TAG}-{rng.randrange(parts):05d}", "quantity": rng.randint(1, 4),
             "unit_price": "70.00", "unit_cost": "40.00", "filled_from_stock": True}
            for _n in range(PARTS_LINES)
        ],
    }


def _copy(table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(r"\N" if v is None else str(v) for v in row))
        buffer.write("\n")
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def _reserve_ids(table: str, n: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
        seq = cursor.fetchone()[0]
        cursor.execute(f"SELECT nextval('{seq}')")
        start = cursor.fetchone()[0]
        cursor.execute(f"SELECT setval('{seq}', %s)", [start + n])
    return start


def _copy_same_rows(payloads: list[dict], dealers: dict[str, int], technicians: dict, parts: dict) -> float:
    """Load the rows the API wrote for `payloads` (same shapes, new keys) with COPY; returns seconds."""
    import secrets

    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC).isoformat()
    customers = {}
    for p in payloads:
        customers.setdefault((dealers[p["dealer"]], "X" + p["customer"]["external_id"]), p["customer"])
    c_start = _reserve_ids("workorders_customer", len(customers))
    customer_ids = {key: c_start + n for n, key in enumerate(customers)}
    _copy("workorders_customer", ["id", "dealer_id", "external_id", "name", "phone", "kind", "gender", "vip",
                                  "created_at", "updated_at"],
          ((customer_ids[key], key[0], key[1], c["name"], c["phone"], c["kind"], "", "f", now, now)
           for key, c in customers.items()))
    v_start = _reserve_ids("workorders_vehicle", len(payloads))
    _copy("workorders_vehicle", ["id", "vin", "plate", "brand", "model", "powertrain", "model_year", "mileage_km",
                                 "owner_id", "updated_at"],
          ((v_start + n, "X" + p["vehicle"]["vin"][1:], "", p["vehicle"]["brand"], p["vehicle"]["model"],
            p["vehicle"]["powertrain"], p["vehicle"]["model_year"], p["vehicle"]["mileage_km"],
            customer_ids[(dealers[p["dealer"]], "X" + p["customer"]["external_id"])], now)
           for n, p in enumerate(payloads)))
    w_start = _reserve_ids("workorders_workorder", len(payloads))
    _copy("workorders_workorder", [
        "id", "dealer_id", "number", "external_id", "type", "channel", "status", "customer_id", "vehicle_id",
        "mileage_km", "opened_at", "promised_at", "delivered_at", "concern", "cause", "correction",
        "extended_warranty_sold", "labour_amount", "parts_amount", "parts_cost", "flat_rate_hours", "actual_hours",
        "signature", "progress_token", "created_at", "updated_at"],
        ((w_start + n, dealers[p["dealer"]], "X" + p["number"], "X" + p["external_id"], p["type"], p["channel"],
          p["status"], customer_ids[(dealers[p["dealer"]], "X" + p["customer"]["external_id"])], v_start + n,
          p["vehicle"]["mileage_km"], p["opened_at"], p["promised_at"], p["delivered_at"], "", "", "", "f",
          "720.00", "0", "0", "4.50", "3.75", "", secrets.token_urlsafe(32), now, now)
         for n, p in enumerate(payloads)))
    _copy("workorders_labourline", ["work_order_id", "op_code", "description", "flat_rate_hours", "actual_hours",
                                    "technician_id", "amount"],
          ((w_start + n, line["op_code"], line["description"], line["flat_rate_hours"], line["actual_hours"],
            technicians[(dealers[p["dealer"]], line["technician"])], line["amount"])
           for n, p in enumerate(payloads) for line in p["labour_lines"]))
    _copy("workorders_partsline", ["work_order_id", "dealer_id", "part_id", "quantity", "returned_quantity",
                                   "unit_price", "unit_cost", "filled_from_stock", "requested_at"],
          ((w_start + n, dealers[p["dealer"]], parts[line["part_number"]], line["quantity"], 0, line["unit_price"],
            line["unit_cost"], "t", p["opened_at"]) for n, p in enumerate(payloads) for line in p["parts_lines"]))
    connection.commit() if not connection.get_autocommit() else None
    return time.perf_counter() - started


def _serve(workers: int) -> tuple[subprocess.Popen, str]:
    """gunicorn on a free loopback port with `workers` processes, on this database and these settings."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aftersales.settings.test", "ALLOWED_HOSTS": "127.0.0.1",
           "API_THROTTLE_TOKEN": "1000000/min"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "aftersales.wsgi", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(workers), "--timeout", "120", "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310 — loopback only
                return server, base
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit("gunicorn did not come up") from None
            time.sleep(0.3)


def _post(base: str, raw: str, body: str) -> dict:
    request = urllib.request.Request(  # noqa: S310 — loopback only
        f"{base}/api/v1/work-orders/bulk/", data=body.encode(), method="POST",
        headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
        return json.loads(response.read())


def bench_ingest(args: argparse.Namespace) -> None:
    """`--repeat N` runs the whole measurement N times (new dealers, parts and keys each time) and sums them up:
    on a shared machine one run says little, the median and the range of N say more."""
    global TAG
    runs = []
    for run in range(args.repeat):
        if run:
            # A new tag per run: its first four characters go into the VINs, which must not repeat.
            TAG = f"{(int(TAG) + 10) % 100000:05d}"
            print()
        runs.append(_ingest_run(args))
    if args.repeat > 1:
        rates, ratios = [r[0] for r in runs], [r[1] for r in runs]
        print(f"\ningest over {args.repeat} runs: API {statistics.median(rates):.0f} work orders/s median "
              f"(range {min(rates):.0f}–{max(rates):.0f}); ratio API/COPY time {statistics.median(ratios):.1f}× median "
              f"(range {min(ratios):.1f}–{max(ratios):.1f}×), each ratio from its own run")


def _ingest_run(args: argparse.Namespace) -> tuple[float, float]:
    """One measurement; returns (API work orders per second, API time / COPY time)."""
    from parts.models import Part
    from training.models import Technician
    from workorders.models import LabourLine, PartsLine, WorkOrder

    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "1000000/min"}
    _region, dealer_objs, raw = _setup(args.dealers, 6, 400)
    rng = random.Random(42)  # noqa: S311 — reproducible data, not security
    codes = [d.code for d in dealer_objs]
    total = args.batches * args.batch_size
    payloads = [_payload(i, codes[i % len(codes)], rng, 400, 6) for i in range(total + args.batch_size)]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # Warm-up: imports, caches, prepared plans (not counted).
    warm = json.dumps(payloads[total:total + args.batch_size])
    client.post("/api/v1/work-orders/bulk/", warm, content_type="application/json")
    bodies = [json.dumps(payloads[b * args.batch_size:(b + 1) * args.batch_size]) for b in range(args.batches)]
    times = []
    if args.gunicorn:
        # Real HTTP on loopback: `--gunicorn N` workers, N clients posting batches at once.
        server, base = _serve(args.gunicorn)
        try:
            started = time.perf_counter()
            with ThreadPoolExecutor(args.gunicorn) as pool:
                answers = list(pool.map(lambda body: _post(base, raw, body), bodies))
            api_seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
        assert all(a["counts"] == {"created": args.batch_size} for a in answers), answers[0]["counts"]
        times = [api_seconds / len(bodies) * args.gunicorn]
    else:
        for body in bodies:
            started = time.perf_counter()
            response = client.post("/api/v1/work-orders/bulk/", body, content_type="application/json")
            times.append(time.perf_counter() - started)
            counts = response.json()["counts"]
            assert response.status_code == 200 and counts == {"created": args.batch_size}, (response.status_code,
                                                                                           counts)
        api_seconds = sum(times)
    # The same payloads again: everything is matched and reported unchanged, nothing written.
    started = time.perf_counter()
    for body in bodies[: max(1, args.batches // 4)]:
        assert client.post("/api/v1/work-orders/bulk/", body,
                           content_type="application/json").json()["counts"] == {"unchanged": args.batch_size}
    unchanged_rate = max(1, args.batches // 4) * args.batch_size / (time.perf_counter() - started)
    # And changed: every item's first labour line costs more, so each work order is rewritten with its lines.
    started = time.perf_counter()
    for b in range(max(1, args.batches // 4)):
        changed = payloads[b * args.batch_size:(b + 1) * args.batch_size]
        for item in changed:
            item["labour_lines"][0]["amount"] = "260.00"
        assert client.post("/api/v1/work-orders/bulk/", json.dumps(changed),
                           content_type="application/json").json()["counts"] == {"updated": args.batch_size}
    updated_rate = max(1, args.batches // 4) * args.batch_size / (time.perf_counter() - started)

    dealers = {d.code: d.pk for d in dealer_objs}
    technicians = {(t.dealer_id, t.employee_code): t.pk for t in Technician.objects.filter(dealer__in=dealer_objs)}
    parts = dict(Part.objects.filter(number__startswith=f"P{TAG}-").values_list("number", "id"))
    copy_seconds = _copy_same_rows(payloads[:total], dealers, technicians, parts)

    written = WorkOrder.objects.filter(dealer__in=dealer_objs, external_id__startswith=f"RO{TAG}").count()
    lines = (LabourLine.objects.filter(work_order__dealer__in=dealer_objs).count(),
             PartsLine.objects.filter(work_order__dealer__in=dealer_objs).count())
    rate, copy_rate = total / api_seconds, total / copy_seconds
    how = f"gunicorn, {args.gunicorn} workers and clients on loopback" if args.gunicorn else "Django test client"
    print(f"ingest: {total} work orders ({LABOUR_LINES} labour + {PARTS_LINES} parts lines each) in "
          f"{args.batches} POSTs of {args.batch_size} ({how})")
    print(f"  API bulk:  {api_seconds:7.2f} s  → {rate:8.0f} work orders/s "
          f"(per batch median {statistics.median(times):.3f} s)  [history rows and status changes included]")
    print(f"  COPY:      {copy_seconds:7.2f} s  → {copy_rate:8.0f} work orders/s (same rows, main tables only)")
    print(f"  ratio API/COPY time: {api_seconds / copy_seconds:.1f}×   (goal ≤ 10×; goal ≥ 1,500 work orders/s)")
    print(f"  resend of unchanged batches: {unchanged_rate:8.0f} work orders/s; of changed ones (lines replaced): "
          f"{updated_rate:8.0f} work orders/s")
    print(f"  rows: {written} work orders written by the API; lines in the dealers (API + COPY): {lines}")
    return rate, api_seconds / copy_seconds


# --------------------------------------------------------------------------------------------- list


def _load_table(rows: int, dealers: list, chunk: int = 500_000) -> None:
    """COPY `rows` work orders (and the customers/vehicles they point at) for the bench dealers.

    Foreign-key triggers are disabled during the load and the secondary indexes rebuilt after it, as any
    bulk load of this size would; the dedicated bench database is the only one touched.
    """
    import secrets

    customers_n = max(1000, rows // 50)
    now = dt.datetime.now(dt.UTC).isoformat()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'workorders_workorder' "
                       "AND indexname NOT LIKE '%%pkey' AND indexdef NOT LIKE 'CREATE UNIQUE%%'")
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("ALTER TABLE workorders_workorder DISABLE TRIGGER ALL")
    c_start = _reserve_ids("workorders_customer", customers_n)
    _copy("workorders_customer", ["id", "dealer_id", "external_id", "name", "phone", "kind", "gender", "vip",
                                  "created_at", "updated_at"],
          ((c_start + n, dealers[n % len(dealers)], f"LC{TAG}-{n}", f"客户{n}", "", "individual", "", "f", now, now)
           for n in range(customers_n)))
    v_start = _reserve_ids("workorders_vehicle", customers_n)
    _copy("workorders_vehicle", ["id", "vin", "plate", "brand", "model", "powertrain", "model_year", "mileage_km",
                                 "owner_id", "updated_at"],
          ((v_start + n, f"LV{TAG}{n:010d}", "", "示例", "S5", "ICE", 2020, 0, c_start + n, now)
           for n in range(customers_n)))
    w_start = _reserve_ids("workorders_workorder", rows)
    base = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    span = 3 * 365 * 24 * 3600
    step = span / rows
    done = 0
    loaded_at = time.perf_counter()
    while done < rows:
        n_rows = min(chunk, rows - done)

        def generate(offset: int, count: int):
            for k in range(offset, offset + count):
                # Rows arrive roughly in time order, as a DMS's history does; dealers interleave.
                opened = base + dt.timedelta(seconds=k * step)
                customer = k % customers_n
                yield (w_start + k, dealers[customer % len(dealers)], f"L{k}", f"LX{k}", "repair", "walk_in",
                       "delivered", c_start + customer, v_start + customer, None, opened.isoformat(),
                       None, (opened + dt.timedelta(hours=4)).isoformat(), "", "", "", "f", "500.00", "300.00",
                       "180.00", "2.00", "1.50", "", secrets.token_hex(16), now,
                       (opened + dt.timedelta(hours=5)).isoformat())

        _copy("workorders_workorder", [
            "id", "dealer_id", "number", "external_id", "type", "channel", "status", "customer_id", "vehicle_id",
            "mileage_km", "opened_at", "promised_at", "delivered_at", "concern", "cause", "correction",
            "extended_warranty_sold", "labour_amount", "parts_amount", "parts_cost", "flat_rate_hours", "actual_hours",
            "signature", "progress_token", "created_at", "updated_at"], generate(done, n_rows))
        done += n_rows
        print(f"  loaded {done:,} rows ({time.perf_counter() - loaded_at:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE workorders_workorder ENABLE TRIGGER ALL")
        for name, definition in indexes:
            started = time.perf_counter()
            cursor.execute(definition)
            print(f"  index {name}: {time.perf_counter() - started:.0f} s", flush=True)
        cursor.execute("VACUUM ANALYZE workorders_workorder")


def _load_lines(dealer) -> None:
    """3 labour + 4 parts lines for every work order of the measured dealer (COPY), so its pages carry lines."""
    from parts.models import Part
    from training.models import Technician
    from workorders.models import LabourLine

    if LabourLine.objects.filter(work_order__dealer=dealer).exists():
        return
    started = time.perf_counter()
    part = Part.objects.create(number=f"LP{TAG}", name="Bench part", category="maintenance", cost=Decimal("40.00"),
                               price=Decimal("70.00"))
    technician = Technician.objects.filter(dealer=dealer).first() or Technician.objects.create(
        dealer=dealer, employee_code="T00", name="技师")
    ids = list(dealer.work_orders.values_list("id", "opened_at"))
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE workorders_labourline DISABLE TRIGGER ALL")
        cursor.execute("ALTER TABLE workorders_partsline DISABLE TRIGGER ALL")
    _copy("workorders_labourline", ["work_order_id", "op_code", "description", "flat_rate_hours", "actual_hours",
                                    "technician_id", "amount"],
          ((pk, f"OP{n}", "工时", "1.50", "1.25", technician.pk, "240.00") for pk, _at in ids for n in range(3)))
    _copy("workorders_partsline", ["work_order_id", "dealer_id", "part_id", "quantity", "returned_quantity",
                                   "unit_price", "unit_cost", "filled_from_stock", "requested_at"],
          ((pk, dealer.pk, part.pk, 2, 0, "70.00", "40.00", "t", at.isoformat()) for pk, at in ids for _n in range(4)))
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE workorders_labourline ENABLE TRIGGER ALL")
        cursor.execute("ALTER TABLE workorders_partsline ENABLE TRIGGER ALL")
        cursor.execute("VACUUM ANALYZE workorders_labourline")
        cursor.execute("VACUUM ANALYZE workorders_partsline")
    print(f"  lines for {dealer.code}'s {len(ids):,} work orders: {len(ids) * 7:,} rows in "
          f"{time.perf_counter() - started:.0f} s")


def _timed_get(client: Client, url: str, params: dict, repeats: int = 5) -> tuple[float, dict]:
    times, body = [], {}
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
    return statistics.median(times), body


def _sql_baseline(dealer_id: int, start: dt.datetime, end: dt.datetime, after: tuple | None, size: int) -> float:
    sql = ("SELECT id FROM workorders_workorder WHERE dealer_id = %s AND opened_at >= %s AND opened_at < %s "
           + ("AND (opened_at, id) > (%s, %s) " if after else "") + "ORDER BY opened_at, id LIMIT %s")
    params = [dealer_id, start, end, *(after or ()), size]
    times = []
    with connection.cursor() as cursor:
        for _ in range(5):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_list(args: argparse.Namespace) -> None:
    from aftersales.api.authentication import api_token_issue
    from aftersales.api.pagination import KeysetPagination
    from dealers.models import ApiTokenAccess, ApiTokenScope, Dealer, Region
    from workorders.models import WorkOrder

    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "1000000/min"}
    if args.reuse:
        # Measure again on the table an earlier run loaded (its region is the latest bench region).
        region = Region.objects.filter(code__startswith="bench-").order_by("-id").first()
        dealer_objs = list(Dealer.objects.filter(region=region).order_by("code"))
        raw = api_token_issue(name="bench", region=region, access=ApiTokenAccess.READ,
                              scope=ApiTokenScope.REGION)[1]
        print(f"list: reusing the loaded table ({WorkOrder.objects.count():,} rows)")
    else:
        _region, dealer_objs, raw = _setup(args.dealers, 2, 10, suffix="L")
        dealer_ids = [d.pk for d in dealer_objs]
        existing = WorkOrder.objects.count()
        print(f"list: loading {args.rows:,} work orders for {len(dealer_ids)} dealers with COPY "
              f"(table holds {existing:,} rows before)")
        started = time.perf_counter()
        _load_table(args.rows, dealer_ids)
        print(f"  load + indexes: {time.perf_counter() - started:.0f} s; table now {WorkOrder.objects.count():,} rows")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    dealer = dealer_objs[len(dealer_objs) // 2]
    if args.with_lines:
        _load_lines(dealer)
    windows = {"one month": (dt.datetime(2024, 6, 1, tzinfo=SHANGHAI), dt.datetime(2024, 7, 1, tzinfo=SHANGHAI)),
               "whole range": (dt.datetime(2022, 1, 1, tzinfo=SHANGHAI), dt.datetime(2027, 1, 1, tzinfo=SHANGHAI))}
    size = KeysetPagination.page_size
    print(f"  GET /api/v1/work-orders/?dealer={dealer.code}&opened_after=…&opened_before=…, {size} per page "
          f"(median of 5, in-process: routing, auth, queries, JSON)")
    worst = 0.0
    for label, (start, end) in windows.items():
        matching = WorkOrder.objects.filter(dealer=dealer, opened_at__gte=start, opened_at__lt=end)
        count = matching.count()
        positions = {"first": None}
        for name, fraction in (("middle", 0.5), ("last", 1.0)):
            index = max(0, min(count - 1, int(count * fraction) - size))
            row = matching.order_by("opened_at", "id").values_list("opened_at", "id")[index]
            positions[name] = row
        for name, after in positions.items():
            params = {"dealer": dealer.code, "opened_after": start.isoformat(), "opened_before": end.isoformat(),
                      "ordering": "opened_at"}
            if after is not None:
                params["cursor"] = KeysetPagination._encode("opened_at", after[0], after[1])
            seconds, body = _timed_get(client, "/api/v1/work-orders/", params)
            sql = _sql_baseline(dealer.pk, start, end, after, size + 1)
            worst = max(worst, seconds)
            print(f"    {label:11s} ({count:>9,} rows) {name:6s} page: {seconds * 1000:7.1f} ms "
                  f"({len(body['results'])} rows; bare keyset SQL {sql * 1000:5.1f} ms, ratio "
                  f"{seconds / sql:5.1f}×)")
        params = {"dealer": dealer.code, "opened_after": start.isoformat(), "opened_before": end.isoformat()}
        seconds, _body = _timed_get(client, "/api/v1/work-orders/", params)
        worst = max(worst, seconds)
        print(f"    {label:11s} no ordering given (the date window's order), first page: {seconds * 1000:7.1f} ms")
        params["ordering"] = "updated_at"
        seconds, _body = _timed_get(client, "/api/v1/work-orders/", params)
        print(f"    {label:11s} ordering=updated_at (a sync's order) with the window, first page: "
              f"{seconds * 1000:7.1f} ms")
        params = {"dealer": dealer.code, "updated_after": start.isoformat()}
        seconds, _body = _timed_get(client, "/api/v1/work-orders/", params)
        print(f"    {label:11s} updated_after=<window start> (incremental sync), first page: {seconds * 1000:7.1f} ms")
    print(f"  worst page of a dealer + opening-date window: {worst * 1000:.1f} ms (goal < 100 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    ingest = sub.add_parser("ingest")
    ingest.add_argument("--batches", type=int, default=10)
    ingest.add_argument("--batch-size", type=int, default=1000)
    ingest.add_argument("--dealers", type=int, default=20)
    ingest.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run the measurement N times and report the median and range")
    ingest.add_argument("--gunicorn", type=int, default=0, metavar="N",
                        help="post through gunicorn with N workers (N clients at once) instead of the test client")
    listing = sub.add_parser("list")
    listing.add_argument("--rows", type=int, default=1_000_000)
    listing.add_argument("--dealers", type=int, default=50)
    listing.add_argument("--reuse", action="store_true", help="measure the table a previous run loaded")
    listing.add_argument("--with-lines", action="store_true",
                         help="give the measured dealer's work orders 3 labour + 4 parts lines each")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run the benchmark on PostgreSQL: set DATABASE_URL=postgres://…/<a database of its own>.")
    call_command("migrate", verbosity=0)
    if args.command is None:
        # Both, with their defaults (ingest 10 × 1,000; list over 1,000,000 loaded rows).
        bench_ingest(parser.parse_args(["ingest"]))
        bench_list(parser.parse_args(["list"]))
        return
    {"ingest": bench_ingest, "list": bench_list}[args.command](args)


if __name__ == "__main__":
    main()
