from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class PapersConfig(AppConfig):
    name = "papers"
    verbose_name = _("Papers")

    def ready(self):
        from papers import sqlite_search

        # The embedded default's search triggers call these functions (see papers/sqlite_search.py).
        connection_created.connect(sqlite_search.register_functions, dispatch_uid="papers_search_functions")
        # Its triggers stand outside migrations only: SQLite's table rebuilds would trip on them.
        pre_migrate.connect(sqlite_search.drop_triggers_before_migrate, sender=self, dispatch_uid="papers_search_pre")
        post_migrate.connect(sqlite_search.install_after_migrate, sender=self, dispatch_uid="papers_search_post")
