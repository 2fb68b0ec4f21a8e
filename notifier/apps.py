from django.apps import AppConfig


class NotifierConfig(AppConfig):
    name = "notifier"
    verbose_name = "Notifications"

    def ready(self):
        from deprecations.signals import catalogue_changed

        catalogue_changed.connect(news, dispatch_uid="notifier.news")


def news(sender=None, **kwargs):
    """The catalogue changed and committed: record and send the change emails now, not at the
    next hourly run (which stays as the safety net)."""
    from notifier import tasks

    tasks.send_changes.delay()
