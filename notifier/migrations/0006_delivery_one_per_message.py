# A delivery is one message: its key is (subscriber, kind, revision); what it tells of is its
# mentions (moved there by 0004).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifier', '0005_mentions_from_deliveries'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='delivery',
            name='delivery_unique_key',
        ),
        migrations.RemoveConstraint(
            model_name='delivery',
            name='delivery_unique_key_no_entry',
        ),
        migrations.RemoveConstraint(
            model_name='delivery',
            name='delivery_alert_once_per_deadline',
        ),
        migrations.RemoveField(
            model_name='delivery',
            name='deprecation',
        ),
        migrations.RemoveField(
            model_name='delivery',
            name='lead_days',
        ),
        migrations.RemoveField(
            model_name='delivery',
            name='shutdown_on',
        ),
        migrations.AddConstraint(
            model_name='delivery',
            constraint=models.UniqueConstraint(fields=('subscriber', 'kind', 'revision'), name='delivery_unique_per_subscriber'),
        ),
    ]
