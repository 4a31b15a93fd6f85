from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = _("Recommendations and issues")

    def ready(self):
        from paperdaily.lib import pagecache

        # In every process (web, worker, beat, commands): any write of what pages show empties the page cache.
        pagecache.watch_database_writes()
