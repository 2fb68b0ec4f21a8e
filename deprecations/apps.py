from django.apps import AppConfig


class DeprecationsConfig(AppConfig):
    name = "deprecations"
    verbose_name = "Catalogue"

    def ready(self):
        # Whatever writes the catalogue (changes, the loader, the admin, the collectors), a
        # save or delete of what feeds and pages show changes the catalogue version.
        from django.db.models.signals import post_delete, post_save

        from deprecations import models, version

        for model in (models.Vendor, models.Offering, models.Alias, models.Retirement,
                      models.Citation, models.Change):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(version.changed, sender=model,
                               dispatch_uid=f"catalogue-version-{name}-{model.__name__}")
