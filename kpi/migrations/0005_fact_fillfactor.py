"""Room on the fact table's pages for the roll-up's in-place updates (PostgreSQL only).

The PostgreSQL roll-up upserts every dealer-day of its window. An update that changes no indexed column
and finds room on the row's page is written there (a heap-only tuple) with no new index entry; the
previous version is pruned from the page by a later visit. At fillfactor 50 a page keeps half its space
for that. The setting holds for pages written from now on; existing ones fill up and move as rows are
updated.
"""

from django.db import migrations

FILLFACTOR = 50


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE kpi_dealerdayfact SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE kpi_dealerdayfact RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("kpi", "0004_fact_dealer_unconstrained"),
    ]

    operations = [
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
    ]
