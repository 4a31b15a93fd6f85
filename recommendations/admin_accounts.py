"""The admin's users: Django's user admin, with a password set there revoking the API token.

Every way a password is set anew calls ``accounts.account_password_changed``; an editor
setting a person's password (a compromised account, say) is one of them.
"""

from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction

from recommendations.accounts import account_password_changed


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
