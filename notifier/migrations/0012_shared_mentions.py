# Mentions become shared: one row per thing told (an entry at a lead time for a shutdown date,
# an entry's changes up to a revision), and each message lists the mentions it tells. A busy
# day at 100,000 subscribers wrote 3.85 million mention rows, one per subscriber and thing
# (bench due); it now writes a message per subscriber and a few hundred mentions.
#
# The data step keeps every message's content: each group of equal mentions (same kind,
# entry, lead time and shutdown date, or same entry and revision) keeps its first row, each
# message lists the kept rows of its mentions, and the channels' rows point at them too.

from django.db import migrations, models

MENTION, DELIVERY, CHANNEL = "notifier_mention", "notifier_delivery", "notifier_channelmention"


def share(apps, schema_editor):
    """In SQL, whatever the ledger's size: the first row of each group of equal mentions,
    each message's list, the channels' rows moved, the other rows deleted."""
    postgres = schema_editor.connection.vendor == "postgresql"
    ids = ("jsonb_agg(DISTINCT k.first ORDER BY k.first)" if postgres
           else "json_group_array(DISTINCT k.first)")
    statements = [
        # An entry is withdrawn, not deleted, but the old table had no constraint to say so.
        f"DELETE FROM {CHANNEL} WHERE mention_id IN (SELECT id FROM {MENTION} WHERE "
        f"retirement_id NOT IN (SELECT id FROM deprecations_retirement))",
        f"DELETE FROM {MENTION} WHERE retirement_id NOT IN "
        f"(SELECT id FROM deprecations_retirement)",
        f"CREATE TEMPORARY TABLE depcal_first_mention AS SELECT id, MIN(id) OVER (PARTITION BY "
        f"kind, retirement_id, CASE WHEN kind = 'alert' THEN lead_days END, "
        f"CASE WHEN kind = 'alert' THEN shutdown_on END, "
        f"CASE WHEN kind = 'change' THEN revision END) AS first FROM {MENTION}",
        f"UPDATE {DELIVERY} SET mention_ids = (SELECT {ids} FROM {MENTION} m "
        f"JOIN depcal_first_mention k ON k.id = m.id WHERE m.delivery_id = {DELIVERY}.id) "
        f"WHERE id IN (SELECT delivery_id FROM {MENTION})",
        f"UPDATE {CHANNEL} SET mention_id = (SELECT k.first FROM depcal_first_mention k "
        f"WHERE k.id = {CHANNEL}.mention_id)",
        f"DELETE FROM {MENTION} WHERE id IN (SELECT id FROM depcal_first_mention "
        f"WHERE id <> first)",
        "DROP TABLE depcal_first_mention",
    ]
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('deprecations', '0010_retirement'),
        ('notifier', '0011_mention_delivery_unconstrained'),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='mention_ids',
            field=models.JSONField(blank=True, default=list, help_text='The mentions an alert or change message tells.'),
        ),
        migrations.RemoveConstraint(
            model_name='mention',
            name='mention_alert_once_per_deadline',
        ),
        migrations.RemoveConstraint(
            model_name='mention',
            name='mention_change_once_per_revision',
        ),
        # Back to 0011 only with an empty ledger: the mentions' subscribers are not kept.
        migrations.RunPython(share, migrations.RunPython.noop),
    ]
