"""Bulk inserts with their simple_history rows, fast on PostgreSQL (used by workorders.ingest).

On PostgreSQL new rows go in with one COPY per table and their history rows ('+', now, the acting user,
"DMS import") with one INSERT … SELECT from the rows just written; ids needed at once are reserved from
the table's sequence first. Changed rows are written by one UPDATE … FROM a COPYed scratch table, their
'~' history copied the same way. Other databases go through simple_history's bulk_create_with_history /
bulk_update_with_history, which write the same rows and history. Errors surface as django.db errors (a unique violation is an
IntegrityError), like the ORM's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

DMS_IMPORT = "DMS import"


def insert_rows(model: type, columns: tuple[str, ...], rows: list[tuple], *, work_order_ids: list[int],
            history_user: Any, now: dt.datetime) -> None:
    """Insert new rows of a work order's children, with their history rows when the model keeps history.

    On PostgreSQL the rows (thousands per batch) go in with one COPY and their history with one
    INSERT … SELECT (these work orders' children are exactly the rows just written: replaced lines were
    deleted first); elsewhere through bulk_create_with_history. Both write the same history: '+', now,
    the acting user, "DMS import".
    """
    if not rows:
        return
    history = getattr(model, "history", None)
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        if history is not None:
            bulk_create_with_history(objs, model, default_user=history_user, default_change_reason=DMS_IMPORT,
                                     default_date=now)
        else:
            model.objects.bulk_create(objs)
        return
    table = model._meta.db_table
    copy_rows(table, columns, rows)
    if history is not None:
        _history_from_table(model, "work_order_id", work_order_ids, history_user=history_user, now=now)


def insert_objects(objs: list[Any], model: type, *, history_user: Any, now: dt.datetime) -> None:
    """Insert new model instances (customers, vehicles) with their history rows; ids are set on the objects.

    On PostgreSQL: ids reserved from the table's sequence, one COPY, one INSERT … SELECT for the history;
    elsewhere bulk_create_with_history. Auto-now times are stamped here, as save() would.
    """
    if connection.vendor != "postgresql":
        bulk_create_with_history(objs, model, default_user=history_user, default_change_reason=DMS_IMPORT,
                                 default_date=now)
        return
    table = model._meta.db_table
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [table, len(objs)])
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            for name in stamped:
                setattr(obj, name, now)
    copy_rows(table, tuple(f.column for f in fields), [tuple(getattr(obj, f.attname) for f in fields) for obj in objs])
    _history_from_table(model, "id", [obj.pk for obj in objs], history_user=history_user, now=now)


def update_objects(objs: list[Any], model: type, fields: list[str], *, history_user: Any, now: dt.datetime,
                   reason: str = DMS_IMPORT) -> None:
    """Write `fields` of changed model instances, each with a '~' history row (the user, `reason`).

    On PostgreSQL: FastBulkUpdate, then the history rows copied from the updated rows by one INSERT … SELECT
    (simple_history would build a thousand historical instances and bulk_create them); elsewhere
    simple_history's bulk_update_with_history with the same FastBulkUpdate.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        bulk_update_with_history(objs, model, fields, default_user=history_user, default_change_reason=reason,
                                 default_date=now, manager=FastBulkUpdate(model))
        return
    FastBulkUpdate(model).bulk_update(objs, fields)
    _history_from_table(model, "id", [obj.pk for obj in objs], history_user=history_user, now=now, kind="~",
                        reason=reason)


def _history_from_table(model: type, key: str, ids: list[int], *, history_user: Any, now: dt.datetime,
                        kind: str = "+", reason: str = DMS_IMPORT) -> None:
    """History rows (`kind` '+', '~' or '-') for the rows of `model` whose `key` is in `ids`, copied by the
    database."""
    historical = model.history.model
    quote = connection.ops.quote_name
    copied = ", ".join(quote(f.column) for f in historical._meta.concrete_fields
                       if not f.attname.startswith("history_"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(historical._meta.db_table)} ({copied}, history_date, history_change_reason, "  # noqa: S608 — names from the models
            f"history_type, history_user_id) SELECT {copied}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(key)} = ANY(%s)",
            [now, reason, kind, getattr(history_user, "pk", None), ids],
        )


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)


def delete_rows(model: type, *, work_order_ids: list[int], history_user: Any, now: dt.datetime) -> None:
    """Delete the rows of `model` belonging to these work orders, each with a '-' history row."""
    if connection.vendor != "postgresql":
        # One by one, so simple_history's post_delete signal records each deletion.
        for obj in model._default_manager.filter(work_order_id__in=work_order_ids):
            obj._history_user = history_user
            obj.delete()
        return
    _history_from_table(model, "work_order_id", work_order_ids, history_user=history_user, now=now, kind="-")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE work_order_id = ANY(%s)",  # noqa: S608
                       [work_order_ids])


def copy_rows(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY rows into a table (text format, values escaped), sent as one buffer."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    data = "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)
    # psycopg's own cursor under Django's wrapper; wrap_database_errors turns a unique violation into
    # django.db.IntegrityError, which the callers (and the API's error handler) know as a conflict.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
            copy.write(data)


class FastBulkUpdate:
    """A stand-in manager for simple_history's bulk_update_with_history(…, manager=…).

    Django's bulk_update writes `SET f = CASE WHEN id = 1 THEN … WHEN id = 2 …` for every field, which costs
    seconds for a thousand work orders of twenty fields. On PostgreSQL this copies the new values into a
    temporary table and runs one UPDATE … FROM it; elsewhere it is Django's bulk_update. History rows are
    still simple_history's (bulk_update_with_history writes them after this returns).
    """

    def __init__(self, model: type) -> None:
        self.model = model

    def bulk_update(self, objs: list[Any], fields: list[str], batch_size: int | None = None) -> int:
        if connection.vendor != "postgresql" or not objs:
            return self.model._default_manager.bulk_update(objs, fields, batch_size=batch_size)
        meta = self.model._meta
        columns = [meta.pk.column, *(meta.get_field(name).column for name in fields)]
        attnames = [meta.pk.attname, *(meta.get_field(name).attname for name in fields)]
        quote = connection.ops.quote_name
        table, scratch = quote(meta.db_table), quote(f"_bulk_update_{meta.db_table}")
        listed = ", ".join(map(quote, columns))
        with connection.cursor() as cursor:
            # Same column types as the table, none of its constraints; gone with the transaction at the latest.
            cursor.execute(f"CREATE TEMP TABLE {scratch} ON COMMIT DROP AS SELECT {listed} FROM {table} "  # noqa: S608
                           f"WITH NO DATA")
            copy_rows(f"_bulk_update_{meta.db_table}", tuple(columns),
                      [tuple(getattr(obj, name) for name in attnames) for obj in objs])
            assignments = ", ".join(f"{quote(c)} = u.{quote(c)}" for c in columns[1:])
            cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM {scratch} AS u "  # noqa: S608
                           f"WHERE t.{quote(columns[0])} = u.{quote(columns[0])}")
            updated = cursor.rowcount
            cursor.execute(f"DROP TABLE {scratch}")
        return updated
