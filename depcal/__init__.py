"""The project package: settings, urls, the Celery app and the WSGI entry point."""

from depcal.celery import app as celery_app

__all__ = ["celery_app"]
