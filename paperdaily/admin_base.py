"""The project's model admin base classes.

``ModelAdmin`` refuses a tampered action selection (``_selected_action`` values that are not
row ids) with a message instead of a 500: Django passes them to the database as they come.
``ReadOnlyAdmin`` only shows, for records that services write (deliveries, issue entries).
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

# Primary keys are BigAutoFields: positive and within a signed 64-bit integer.
MAX_ID = 2**63 - 1


def row_ids(values) -> list[int]:
    """The values (from a form) that can be row ids, as ints; the others are left out."""
    ids = []
    for value in values:
        value = value.strip()
        if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
            ids.append(int(value))
    return ids


class ModelAdmin(admin.ModelAdmin):
    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if len(row_ids(selected)) != len(selected):
            self.message_user(request, _("The selection was not valid, so nothing was done."), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
