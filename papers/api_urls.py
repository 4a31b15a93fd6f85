"""API routes for papers, topics, areas and search; see paperdaily/api_urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from papers import api

router = SimpleRouter()
router.register("papers", api.PaperViewSet, basename="paper")
router.register("tags", api.TagViewSet, basename="tag")
router.register("areas", api.AreaViewSet, basename="area")

urlpatterns = [
    path("search/", api.SearchView.as_view(), name="search"),
    *router.urls,
]
