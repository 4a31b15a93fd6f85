"""The recommend form: what a person types, checked field by field with the service's own rules."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from paperdaily.lib.forms import HoneypotForm
from papers.models import Area, Tag
from recommendations.recommending import services as submission
from recommendations.recommending.figures import figure_prepare

NEW_TOPIC = "new"


def _topic_choices():
    """Topics grouped by area, then the choice to propose a new one."""
    groups = {}
    for tag in Tag.objects.approved().select_related("area").order_by("area__position", "area__code", "name"):
        groups.setdefault(tag.area.local_name, []).append((str(tag.pk), tag.local_name))
    return [("", _("Choose a topic…")), *groups.items(), (NEW_TOPIC, _("Another topic: I will name it below"))]


class RecommendationForm(HoneypotForm):
    paper_link = forms.CharField(
        label=_("Paper link"),
        max_length=500,
        help_text=_("An arXiv, DOI, OpenReview or ACL Anthology link, e.g. https://arxiv.org/abs/1808.01244"),
        error_messages={"required": submission.PAPER_LINK_REQUIRED, "max_length": submission.PAPER_LINK_TOO_LONG},
        widget=forms.TextInput(attrs={"placeholder": "https://arxiv.org/abs/…", "autocomplete": "off"}),
    )
    code_links = forms.CharField(
        label=_("Code"),
        required=False,
        max_length=2000,
        help_text=_(
            "Links to the paper's code, one per line: repositories on GitHub, GitLab, Gitee, Bitbucket or "
            "Codeberg, or models, datasets or Spaces on Hugging Face."
        ),
        error_messages={"max_length": submission.CODE_LINKS_TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "https://github.com/owner/repository"}),
    )
    dataset_link = forms.CharField(
        label=_("Dataset"),
        required=False,
        max_length=500,
        help_text=_("The web address (https://…) of the dataset the paper introduces or uses."),
        error_messages={"max_length": submission.DATASET_LINK_INVALID},
        widget=forms.TextInput(attrs={"placeholder": "https://…"}),
    )
    tag = forms.ChoiceField(
        label=_("Topic"),
        choices=(),
        error_messages={
            "required": _("Choose a topic from the list, or propose a new one."),
            # The service's words for a topic that is not (or no longer) on the list; the API says the same.
            "invalid_choice": _("Choose a topic from the list."),
        },
    )
    proposed_topic = forms.CharField(
        label=_("New topic"),
        required=False,
        max_length=200,
        help_text=_("An editor reviews new topics before they are published."),
    )
    proposed_area = forms.ModelChoiceField(
        label=_("Area of the new topic"), queryset=Area.objects.all(), required=False, empty_label=_("Choose…")
    )
    writeup = forms.CharField(
        label=_("Why read it?"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": submission.WRITEUP_REQUIRED},
        help_text=_(
            "A few lines in your own words: what the paper does and why it matters. "
            "Markdown works: **bold**, *italic*, `code`, [links](https://…), lists."
        ),
    )
    figure = forms.FileField(
        label=_("Figure"),
        required=False,
        help_text=_("A PNG, JPEG or WebP image of the model or a key result, up to %(mb)s MB."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    figure_caption = forms.CharField(label=_("Caption"), required=False, max_length=300)

    field_order = [
        "paper_link",
        "code_links",
        "dataset_link",
        "tag",
        "proposed_topic",
        "proposed_area",
        "writeup",
        "figure",
        "figure_caption",
        "website",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = _topic_choices()
        low, high = settings.PAPERDAILY_WRITEUP_MIN_CHARS, settings.PAPERDAILY_WRITEUP_MAX_CHARS
        self.fields["writeup"].widget.attrs.update({"minlength": low, "maxlength": high, "data-count": "writeup"})
        # The widget's own maxlength stops typing at the limit; the service says so if a script goes past it.
        self.fields["figure"].help_text = self.fields["figure"].help_text % {
            "mb": f"{settings.PAPERDAILY_FIGURE_MAX_BYTES / 1024 / 1024:g}"
        }

    def clean_paper_link(self):
        submission.clean_paper_link(self.cleaned_data["paper_link"])
        return self.cleaned_data["paper_link"].strip()

    def clean_code_links(self):
        lines = self.cleaned_data["code_links"].splitlines()
        submission.clean_code_links(lines)
        return [line.strip() for line in lines if line.strip()]

    def clean_dataset_link(self):
        return submission.clean_dataset_link(self.cleaned_data["dataset_link"])

    def clean_writeup(self):
        return submission.clean_writeup(self.cleaned_data["writeup"])

    def clean_tag(self):
        value = self.cleaned_data["tag"]
        if value == NEW_TOPIC:
            return None
        tag = Tag.objects.approved().filter(pk=value).first() if value.isdigit() else None
        if tag is None:
            raise ValidationError(_("Choose a topic from the list."), code="invalid")
        return tag

    def clean_figure(self):
        upload = self.cleaned_data.get("figure")
        return figure_prepare(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        proposing = "tag" in cleaned and cleaned["tag"] is None
        if proposing and not self.has_error("proposed_topic") and not self.has_error("proposed_area"):
            # "Another topic" was chosen: now its name and area are required.
            try:
                submission.clean_topic(
                    tag=None,
                    proposed_topic=cleaned.get("proposed_topic", ""),
                    proposed_area=cleaned.get("proposed_area"),
                )
            except ValidationError as error:
                self.add_error(None, error)
        if self.errors and self.files.get("figure") and not self.has_error("figure"):
            # Browsers cannot refill a file input: say so rather than drop the figure silently.
            self.add_error("figure", _("Your figure was fine; please choose it again after fixing the rest."))
        return cleaned

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "paper_link": data["paper_link"],
            "code_links": data["code_links"],
            "dataset_link": data["dataset_link"],
            "tag": data["tag"],
            "proposed_topic": data["proposed_topic"] if data["tag"] is None else "",
            "proposed_area": data["proposed_area"] if data["tag"] is None else None,
            "writeup": data["writeup"],
            "figure": data["figure"],
            "figure_caption": data["figure_caption"],
        }


class RecommendationEditForm(RecommendationForm):
    remove_figure = forms.BooleanField(label=_("Remove the current figure"), required=False)

    @classmethod
    def initial_for(cls, recommendation):
        figure = recommendation.figures.first()
        return {
            "paper_link": recommendation.submitted_link or recommendation.paper.landing_url,
            "code_links": "\n".join(recommendation.code_links),
            "dataset_link": recommendation.dataset_link,
            "tag": str(recommendation.tag_id) if recommendation.tag.approved else NEW_TOPIC,
            "proposed_topic": "" if recommendation.tag.approved else recommendation.tag.name,
            "proposed_area": None if recommendation.tag.approved else recommendation.tag.area_id,
            "writeup": recommendation.writeup,
            "figure_caption": figure.caption if figure else "",
        }

    def service_arguments(self):
        return {**super().service_arguments(), "remove_figure": self.cleaned_data.get("remove_figure", False)}
