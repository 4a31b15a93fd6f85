from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PapersConfig(AppConfig):
    name = "papers"
    verbose_name = _("Papers")

    def ready(self):
        from papers import sqlite_search

        # The embedded default's search triggers call these functions (see papers/sqlite_search.py).
        connection_created.connect(sqlite_search.register_functions, dispatch_uid="papers_search_functions")
        post_migrate.connect(sqlite_search.reinstall_after_migrate, sender=self, dispatch_uid="papers_search_index")
