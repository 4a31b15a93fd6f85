from django.contrib import admin

from paperdaily.lib.admin import ModelAdmin
from recommendations.models import Figure

# admin_accounts, admin_issues, admin_newsletter and admin_rewards register their own models.


@admin.register(Figure)
class FigureAdmin(ModelAdmin):
    list_display = ["__str__", "recommendation", "position"]
    list_select_related = ["recommendation__paper", "recommendation__recommender"]
    search_fields = ["caption", "recommendation__paper__title"]
    autocomplete_fields = ["recommendation"]
