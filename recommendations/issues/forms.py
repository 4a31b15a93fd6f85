"""The issue desk's forms: an issue's title, intro and schedule, and the publish page's overrides."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recommendations.models import Issue, IssueEntry


class IssueForm(forms.ModelForm):
    class Meta:
        model = Issue
        fields = ["title", "intro", "scheduled_at"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 6, "cols": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin's split date/time inputs sit under a legend with no label of their own.
        widget = self.fields["scheduled_at"].widget if "scheduled_at" in self.fields else None
        if isinstance(widget, forms.MultiWidget):
            widget.widgets[0].attrs["aria-label"] = _("Publication date")
            widget.widgets[1].attrs["aria-label"] = _("Publication time")

    def clean_scheduled_at(self):
        when = self.cleaned_data.get("scheduled_at")
        if when is not None and when != self.instance.scheduled_at and when <= timezone.now():
            raise ValidationError(_("Choose a time in the future, or leave it empty and publish by hand."))
        return when

    def save(self, commit=True):
        self.instance.set_intro(self.cleaned_data.get("intro", ""))
        if "scheduled_at" in self.changed_data:
            self.instance.schedule_error = ""
        return super().save(commit)


class PublishForm(forms.Form):
    """The overrides an editor may give on the publish page: entries to publish with incomplete metadata."""

    incomplete = forms.ModelMultipleChoiceField(queryset=IssueEntry.objects.none(), required=False)

    def __init__(self, *args, issue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incomplete"].queryset = IssueEntry.objects.filter(issue=issue)
