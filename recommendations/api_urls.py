"""API routes for issues and recommenders; see paperdaily/api_urls.py."""

from rest_framework.routers import SimpleRouter

from recommendations import api

router = SimpleRouter()
router.register("issues", api.IssueViewSet, basename="issue")
router.register("recommenders", api.RecommenderViewSet, basename="recommender")

urlpatterns = router.urls
