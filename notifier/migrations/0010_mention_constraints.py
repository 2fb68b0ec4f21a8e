# Mentions keep one foreign-key constraint, on their message: PostgreSQL checks each one row by
# row at commit, which cost more than inserting the mentions on a busy day. A mention's
# subscriber is its message's; Django's cascade still deletes the mentions of a deleted
# subscriber or entry.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('deprecations', '0010_retirement'),
        ('notifier', '0009_mention_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='mention',
            name='retirement',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='deprecations.retirement'),
        ),
        migrations.AlterField(
            model_name='mention',
            name='subscriber',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='mentions', to='notifier.subscriber'),
        ),
    ]
