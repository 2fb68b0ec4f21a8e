"""A mention's entry is its retirement (the model Deprecation is now Retirement). The
constraints naming the field are dropped first and made again after, because SQLite
rebuilds the table on a rename and would look for the old field."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifier", "0007_channels_and_watchlist_tokens"),
                    ("deprecations", "0010_retirement")]

    operations = [
        migrations.RemoveConstraint(model_name="mention", name="mention_alert_once_per_deadline"),
        migrations.RemoveConstraint(model_name="mention",
                                    name="mention_change_once_per_revision"),
        migrations.RenameField("mention", "deprecation", "retirement"),
        migrations.AddConstraint(
            model_name="mention",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "alert")),
                fields=("subscriber", "retirement", "lead_days", "shutdown_on"),
                name="mention_alert_once_per_deadline")),
        migrations.AddConstraint(
            model_name="mention",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "change")),
                fields=("subscriber", "retirement", "revision"),
                name="mention_change_once_per_revision")),
    ]
