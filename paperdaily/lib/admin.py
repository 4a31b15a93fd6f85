"""The project's model admin base classes.

``ModelAdmin`` refuses a tampered action selection (``_selected_action`` values that are not
row ids) with a message instead of a 500: Django passes them to the database as they come.
``ReadOnlyAdmin`` only shows, for records that services write (deliveries, issue entries).
``LabelledInlineFormSet`` names each input of a tabular inline after its field, for screen readers.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from paperdaily.lib.ids import row_ids


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


class LabelledInlineFormSet(forms.BaseInlineFormSet):
    """A tabular inline's inputs are headed by their column only: name each input after its field."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            if field.label and not field.widget.is_hidden:
                field.widget.attrs.setdefault("aria-label", field.label)
