# Messages that tell the same things share one list (MentionList) instead of each holding a
# copy. The lists are moved in SQL, whatever the ledger's size: one list per distinct list
# held, and each message points at its own. Back, each message gets a copy again.
# On PostgreSQL this rewrites every alert and change row in one transaction (senders wait
# on those rows meanwhile: migrate between sending runs), and the table keeps its old size
# until it is rebuilt (VACUUM FULL notifier_delivery, or pg_repack without a lock).

import django.db.models.deletion
from django.db import migrations, models

DELIVERY, LIST = "notifier_delivery", "notifier_mentionlist"


def share(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {LIST} (mention_ids) SELECT DISTINCT mention_ids "
                       f"FROM {DELIVERY} WHERE kind IN ('alert', 'change')")
        cursor.execute(f"UPDATE {DELIVERY} SET mention_list_id = l.id FROM {LIST} l "
                       f"WHERE l.mention_ids = {DELIVERY}.mention_ids "
                       f"AND {DELIVERY}.kind IN ('alert', 'change')")


def copy_back(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"UPDATE {DELIVERY} SET mention_ids = l.mention_ids FROM {LIST} l "
                       f"WHERE l.id = {DELIVERY}.mention_list_id")


class Migration(migrations.Migration):

    dependencies = [
        ('notifier', '0013_shared_mentions_schema'),
    ]

    operations = [
        migrations.CreateModel(
            name='MentionList',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('mention_ids', models.JSONField(default=list)),
            ],
        ),
        migrations.AddField(
            model_name='delivery',
            name='mention_list',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, help_text='What an alert or change message tells.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='notifier.mentionlist'),
        ),
        migrations.RunPython(share, copy_back),
    ]
