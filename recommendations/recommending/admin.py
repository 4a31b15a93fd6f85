"""Figures in the back office: each with its recommendation, caption and image."""

from django.contrib import admin

from paperdaily.lib.admin import ModelAdmin
from recommendations.models import Figure


@admin.register(Figure)
class FigureAdmin(ModelAdmin):
    list_display = ["__str__", "recommendation", "position"]
    list_select_related = ["recommendation__paper", "recommendation__recommender"]
    search_fields = ["caption", "recommendation__paper__title"]
    autocomplete_fields = ["recommendation"]
