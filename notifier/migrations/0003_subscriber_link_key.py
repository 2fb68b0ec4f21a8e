"""Subscriber.link_key: a random key per subscriber for the links in emails (no row id)."""

from django.db import migrations, models

import notifier.models


def fill(apps, schema_editor):
    Subscriber = apps.get_model("notifier", "Subscriber")
    for subscriber in Subscriber.objects.filter(link_key=None).only("pk"):
        subscriber.link_key = notifier.models.new_link_key()
        subscriber.save(update_fields=["link_key"])


class Migration(migrations.Migration):

    dependencies = [("notifier", "0002_subscriber_language")]

    operations = [
        migrations.AddField(
            model_name="subscriber", name="link_key",
            field=models.CharField(editable=False, max_length=32, null=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="subscriber", name="link_key",
            field=models.CharField(default=notifier.models.new_link_key, editable=False,
                                   max_length=32, unique=True)),
    ]
