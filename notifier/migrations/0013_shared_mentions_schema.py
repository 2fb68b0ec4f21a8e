# The schema of shared mentions, after 0012 moved the data (in a transaction of its own:
# PostgreSQL does not alter a table with foreign-key checks still pending on it).

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):

    dependencies = [
        ('notifier', '0012_shared_mentions'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='mention',
            name='delivery',
        ),
        migrations.RemoveField(
            model_name='mention',
            name='subscriber',
        ),
        migrations.AlterField(
            model_name='mention',
            name='retirement',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='deprecations.retirement'),
        ),
        migrations.AlterField(
            model_name='mention',
            name='revision',
            field=models.PositiveIntegerField(help_text="The entry's revision when first mentioned."),
        ),
        migrations.AddConstraint(
            model_name='mention',
            constraint=models.UniqueConstraint(condition=Q(('kind', 'alert')), fields=('retirement', 'lead_days', 'shutdown_on'), name='mention_alert_per_deadline'),
        ),
        migrations.AddConstraint(
            model_name='mention',
            constraint=models.UniqueConstraint(condition=Q(('kind', 'change')), fields=('retirement', 'revision'), name='mention_change_per_revision'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=Q(('kind', 'alert')), fields=['as_of'], name='delivery_alert_day'),
        ),
    ]
