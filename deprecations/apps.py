from django.apps import AppConfig


class DeprecationsConfig(AppConfig):
    name = "deprecations"
    verbose_name = "Catalogue"
