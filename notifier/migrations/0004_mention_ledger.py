# Mentions: what an alert or change message tells, each told once (the ledger's new unique
# keys); messages (deliveries) become one per email, grouping mentions.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('deprecations', '0003_shutdown_tentative'),
        ('notifier', '0003_subscriber_link_key'),
    ]

    operations = [
        migrations.CreateModel(
            name='Mention',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('alert', 'lead-time alert'), ('change', 'change')], max_length=10)),
                ('lead_days', models.PositiveSmallIntegerField(default=0)),
                ('shutdown_on', models.DateField(blank=True, null=True)),
                ('revision', models.PositiveIntegerField(help_text="The entry's revision when mentioned.")),
                ('created_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.AlterField(
            model_name='delivery',
            name='as_of',
            field=models.DateField(help_text='The day the message was due for.'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='kind',
            field=models.CharField(choices=[('confirm', 'confirmation request'), ('links', 'manage link (subscribed again)'), ('welcome', 'welcome'), ('alert', 'lead-time alert'), ('change', 'change'), ('digest', 'digest')], max_length=10),
        ),
        migrations.AlterField(
            model_name='subscriber',
            name='confirm_sent_at',
            field=models.DateTimeField(blank=True, help_text='Last email queued because of a subscribe request (confirm or lost links).', null=True),
        ),
        migrations.AddField(
            model_name='mention',
            name='delivery',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='mentions', to='notifier.delivery'),
        ),
        migrations.AddField(
            model_name='mention',
            name='deprecation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='deprecations.deprecation'),
        ),
        migrations.AddField(
            model_name='mention',
            name='subscriber',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='mentions', to='notifier.subscriber'),
        ),
        migrations.AddIndex(
            model_name='mention',
            index=models.Index(condition=models.Q(('delivery__isnull', True)), fields=['subscriber', 'kind'], name='mention_ungrouped'),
        ),
        migrations.AddConstraint(
            model_name='mention',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'alert')), fields=('subscriber', 'deprecation', 'lead_days', 'shutdown_on'), name='mention_alert_once_per_deadline'),
        ),
        migrations.AddConstraint(
            model_name='mention',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'change')), fields=('subscriber', 'deprecation', 'revision'), name='mention_change_once_per_revision'),
        ),
    ]
