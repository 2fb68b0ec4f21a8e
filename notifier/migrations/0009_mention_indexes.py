# The mention ledger keeps the indexes a query reads: its two unique keys and the message
# link. Mentions are now inserted with their message, so none waits ungrouped; entries are
# withdrawn, not deleted, so nothing looks mentions up by entry alone.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('deprecations', '0010_retirement'),
        ('notifier', '0008_mention_retirement'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='mention',
            name='mention_ungrouped',
        ),
        migrations.AlterField(
            model_name='mention',
            name='retirement',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='deprecations.retirement'),
        ),
    ]
