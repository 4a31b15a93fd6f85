"""PaperDaily project package. Loading the Celery app here lets tasks use @shared_task."""

from paperdaily.celery import app as celery_app

__all__ = ("celery_app",)
