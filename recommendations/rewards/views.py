"""The recommender claims a reward: one form, one service call, back to their page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from recommendations.models import Reward
from recommendations.rewards.forms import RewardClaimForm
from recommendations.rewards.services import reward_claim


def _rewards_url():
    return reverse("recommendations:mine") + "#rewards"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def claim(request, pk):
    """GET shows the claim form for one reward; POST claims it. Someone else's reward is a 404."""
    reward = get_object_or_404(
        Reward.objects.select_related("recommender", "issue", "recommendation__paper"),
        pk=pk,
        recommender__user=request.user,
    )
    form = RewardClaimForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reward_claim(
                reward_id=reward.pk,
                recommender=reward.recommender,
                shipping_note=form.cleaned_data["shipping_note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your reward is claimed. The editors will send it and mark it sent here."))
            return redirect(_rewards_url())
    elif request.method != "POST" and Reward.objects.filter(recommender=reward.recommender).claimed().exists():
        messages.info(request, _("You have claimed your reward (once per person)."))
        return redirect(_rewards_url())
    return render(request, "recommendations/reward_claim.html", {"reward": reward, "form": form})
