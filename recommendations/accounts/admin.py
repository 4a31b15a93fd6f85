"""The admin's users: Django's user admin, with a password set there revoking the API token.

Every way a password is set anew calls ``accounts.account_password_changed``; an editor
setting a person's password (a compromised account, say) is one of them.
"""

from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from paperdaily.lib.admin import ModelAdmin
from recommendations.accounts.services import account_password_changed
from recommendations.models import Recommender


class AdminPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        with transaction.atomic():
            user = super().save(commit=True)
            account_password_changed(user=user)
        return user


class UserAdmin(DjangoUserAdmin):
    change_password_form = AdminPasswordChangeForm


# Importing django.contrib.auth.admin registered Django's own; this one takes its place.
User = get_user_model()
admin.site.unregister(User)
admin.site.register(User, UserAdmin)


@admin.register(Recommender)
class RecommenderAdmin(ModelAdmin):
    list_display = ["handle", "display_name", "user", "recommendation_count", "created_at"]
    search_fields = ["handle", "display_name", "user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(recommendation_count=Count("recommendations"))

    @admin.display(description=_("recommendations"), ordering="recommendation_count")
    def recommendation_count(self, obj):
        return obj.recommendation_count
