# Mentions lose their last foreign-key constraint, on their message: PostgreSQL checked it row by
# row at commit, a third of a busy day's run at 100,000 subscribers. A mention is written
# only with its message, in the same transaction (``alerts.group``); Django's cascade still
# deletes the mentions of a deleted message.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifier', '0010_mention_constraints'),
    ]

    operations = [
        migrations.AlterField(
            model_name='mention',
            name='delivery',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='mentions', to='notifier.delivery'),
        ),
    ]
