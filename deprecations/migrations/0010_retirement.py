"""The central thing has one name: Retirement (the model Deprecation before), and the
foreign keys to it are called retirement. Tables and columns are renamed; no data changes.
The constraint naming the renamed field is dropped first and made again after, because
SQLite rebuilds the table on a rename and would look for the old field."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # After every notifier migration that names the old model, so that they find it.
    dependencies = [("deprecations", "0009_status_may_shut_down_any_day"),
                    ("notifier", "0007_channels_and_watchlist_tokens")]

    operations = [
        migrations.RemoveConstraint(model_name="citation", name="citation_unique_per_entry"),
        migrations.RenameModel("Deprecation", "Retirement"),
        migrations.RenameField("citation", "deprecation", "retirement"),
        migrations.RenameField("change", "deprecation", "retirement"),
        migrations.RenameField("notice", "deprecation", "retirement"),
        migrations.AlterField(
            model_name="retirement", name="offering",
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT,
                                       related_name="retirement", to="deprecations.offering")),
        migrations.AddConstraint(
            model_name="citation",
            constraint=models.UniqueConstraint(fields=("retirement", "url"),
                                               name="citation_unique_per_entry")),
    ]
