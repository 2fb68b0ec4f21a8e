# Every existing alert and change delivery becomes a message with one mention (what it was
# about), and is numbered per subscriber and kind, as new messages are.

from django.db import migrations


def forwards(apps, schema_editor):
    Delivery = apps.get_model("notifier", "Delivery")
    Mention = apps.get_model("notifier", "Mention")
    counters = {}
    rows = Delivery.objects.filter(kind__in=["alert", "change"]).exclude(
        deprecation=None).order_by("id")
    for row in rows.iterator():
        Mention.objects.create(
            subscriber_id=row.subscriber_id, deprecation_id=row.deprecation_id, kind=row.kind,
            lead_days=row.lead_days, shutdown_on=row.shutdown_on, revision=row.revision,
            delivery_id=row.pk, created_at=row.created_at)
        key = (row.subscriber_id, row.kind)
        counters[key] = counters.get(key, 0) + 1
        Delivery.objects.filter(pk=row.pk).update(revision=counters[key])


class Migration(migrations.Migration):

    dependencies = [
        ('notifier', '0004_mention_ledger'),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
