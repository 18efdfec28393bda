"""Parts lines carry their work order's dealer (see PartsLine.dealer): added, filled from the work orders
(history rows too, from the work order they belong to); 0004 then requires it and adds the foreign key.
The column starts without the key so the fill queues no deferred check per row (millions of them, and a
table with pending ones cannot be altered); adding the key afterwards checks every row in one pass."""

import django.db.models.deletion
from django.db import migrations, models

# UPDATE … FROM joins by hash on PostgreSQL (millions of lines); elsewhere a correlated subquery.
FILL = {
    "postgresql": """UPDATE {table} AS l SET dealer_id = w.dealer_id FROM workorders_workorder w
                     WHERE w.id = l.work_order_id AND l.dealer_id IS NULL""",
    "default": """UPDATE {table} SET dealer_id = (
                      SELECT w.dealer_id FROM workorders_workorder w WHERE w.id = {table}.work_order_id
                  ) WHERE dealer_id IS NULL""",
}


def fill(apps, schema_editor) -> None:
    sql = FILL.get(schema_editor.connection.vendor, FILL["default"])
    with schema_editor.connection.cursor() as cursor:
        for table in ("workorders_partsline", "workorders_historicalpartsline"):
            cursor.execute(sql.format(table=table))


class Migration(migrations.Migration):

    dependencies = [
        ('dealers', '0002_api_tokens'),
        ('parts', '0002_initial'),
        ('workorders', '0002_dealer_updated_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalpartsline',
            name='dealer',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='dealers.dealer', verbose_name='dealer'),
        ),
        migrations.AddField(
            model_name='partsline',
            name='dealer',
            field=models.ForeignKey(db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dealers.dealer', verbose_name='dealer'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
