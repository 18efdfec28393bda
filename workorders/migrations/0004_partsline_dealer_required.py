"""PartsLine.dealer, filled by 0003, is required and a foreign key from now on; the roll-up's index on it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workorders', '0003_partsline_dealer'),
    ]

    operations = [
        migrations.AlterField(
            model_name='partsline',
            name='dealer',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dealers.dealer', verbose_name='dealer'),
        ),
        migrations.AddIndex(
            model_name='partsline',
            index=models.Index(fields=['dealer', 'requested_at'], name='partsline_dealer_requested'),
        ),
    ]
