"""API routes for reading: papers, topics, areas, search, issues and recommenders; see paperdaily/api_urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from recommendations.reading import api

router = SimpleRouter()
router.register("papers", api.PaperViewSet, basename="paper")
router.register("tags", api.TagViewSet, basename="tag")
router.register("areas", api.AreaViewSet, basename="area")
router.register("issues", api.IssueViewSet, basename="issue")
router.register("recommenders", api.RecommenderViewSet, basename="recommender")

urlpatterns = [
    path("search/", api.SearchView.as_view(), name="search"),
    *router.urls,
]
