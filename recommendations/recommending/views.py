"""The recommender's side: the recommend form, the thank-you page, and their own list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from paperdaily.lib.paging import paginate
from paperdaily.lib.ratelimits import limit_posts
from recommendations.models import Recommendation, Recommender, Reward
from recommendations.recommending.forms import RecommendationEditForm, RecommendationForm
from recommendations.recommending.services import (
    AlreadyRecommended,
    recommendation_submit,
    recommendation_update,
    recommendation_withdraw,
)
from recommendations.rewards.forms import RewardClaimForm

RECOMMEND_LIMITS = [("user", "PAPERDAILY_RATE_RECOMMEND_USER"), ("ip", "PAPERDAILY_RATE_RECOMMEND_IP")]


def _recommender_for(user):
    """The signed-in person's recommender profile; accounts made before profiles existed get none."""
    return Recommender.objects.filter(user=user).first()


def _own_recommendation(request, pk):
    recommendation = get_object_or_404(
        Recommendation.objects.select_related("paper", "tag__area", "recommender", "issue_entry__issue"),
        pk=pk,
        recommender__user=request.user,
    )
    return recommendation


def _save(form, save, context):
    """Run the service for a valid form; put its errors back on the form. A response or None."""
    if form.is_spam():
        # Say nothing helpful to a script; a person never sees this field.
        form.add_error(None, _("This form could not be sent. Please try again."))
        return None
    try:
        return save(**form.service_arguments())
    except AlreadyRecommended as error:
        context["earlier"] = error.existing
        form.add_error(None, error)
    except ValidationError as error:
        form.add_error(None, error)
    return None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("recommend", *RECOMMEND_LIMITS)
def recommend(request):
    recommender = _recommender_for(request.user)
    if recommender is None:
        messages.info(request, _("Choose a handle for your profile first; your recommendations appear under it."))
        return redirect(f"{reverse('profile')}?next={reverse('recommendations:recommend')}")
    context = {}
    # Bound on every POST, even an empty one, so that it says what is missing.
    posted = request.method == "POST"
    form = RecommendationForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        submitted = _save(
            form, lambda **arguments: recommendation_submit(recommender=recommender, **arguments), context
        )
        if submitted:
            for issue in submitted.featured_in[:1]:
                messages.info(
                    request,
                    _(
                        "Good taste: this paper was already featured in issue %(number)s. "
                        "Your recommendation is saved all the same; editors see every one."
                    )
                    % {"number": issue.number},
                )
            return redirect("recommendations:thanks", pk=submitted.recommendation.pk)
    return render(request, "recommendations/recommend.html", {**context, "form": form})


@login_required
@require_safe
def thanks(request, pk):
    recommendation = _own_recommendation(request, pk)
    return render(request, "recommendations/thanks.html", {"rec": recommendation})


def status_of(recommendation):
    """What the thank-you page and My recommendations show, as JSON-ready values."""
    paper = recommendation.paper
    entry = getattr(recommendation, "issue_entry", None)
    return {
        "id": recommendation.pk,
        "status": recommendation.status,
        "status_label": str(recommendation.get_status_display()),
        "issue": entry.issue.number if entry and entry.issue.is_published else None,
        "paper": {
            "title": paper.title,
            "authors": [author.name for author in paper.ordered_authors[:6]],
            "venue": paper.venue,
            "year": paper.year,
            "metadata_status": paper.metadata_status,
            "metadata_status_label": str(paper.get_metadata_status_display()),
        },
    }


@login_required
@require_safe
@never_cache
def status(request, pk):
    """Polled by the thank-you page until the paper's title is known."""
    return JsonResponse(status_of(_own_recommendation(request, pk)))


@login_required
@require_safe
def mine(request):
    recommendations = (
        Recommendation.objects.filter(recommender__user=request.user)
        .select_related("paper", "tag__area", "issue_entry__issue")
        .prefetch_related("figures")
        .order_by("-created_at", "-pk")
    )
    page = paginate(request, recommendations, per_page=20)
    recommender = _recommender_for(request.user)
    # A person earns a reward per published recommendation: few enough to list them all.
    rewards = list(
        Reward.objects.filter(recommender__user=request.user)
        .select_related("issue", "recommendation__paper")
        .order_by("-issue__number", "-pk")
    )
    claimed = next((reward for reward in rewards if reward.claimed_at is not None), None)
    if claimed is None:
        for reward in rewards:
            reward.claim_form = RewardClaimForm(reward=reward)
    return render(
        request,
        "recommendations/mine.html",
        {"page": page, "recommender": recommender, "rewards": rewards, "claimed_reward": claimed},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("recommend-edit", *RECOMMEND_LIMITS)
def edit(request, pk):
    recommendation = _own_recommendation(request, pk)
    if recommendation.status != Recommendation.Status.SUBMITTED:
        messages.error(
            request, _("An editor has already reviewed this recommendation, so it can no longer be changed.")
        )
        return redirect("recommendations:mine")
    context = {"rec": recommendation, "figure": recommendation.figures.first()}
    if request.method == "POST":
        form = RecommendationEditForm(request.POST, request.FILES)
        if form.is_valid():
            saved = _save(
                form, lambda **arguments: recommendation_update(recommendation=recommendation, **arguments), context
            )
            if saved:
                messages.success(request, _("Your changes are saved."))
                return redirect("recommendations:mine")
        return render(request, "recommendations/edit.html", {**context, "form": form})
    form = RecommendationEditForm(initial=RecommendationEditForm.initial_for(recommendation))
    return render(request, "recommendations/edit.html", {**context, "form": form})


@login_required
@require_POST
def withdraw(request, pk):
    recommendation = _own_recommendation(request, pk)
    try:
        recommendation_withdraw(recommendation=recommendation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your recommendation is withdrawn."))
    return redirect("recommendations:mine")
