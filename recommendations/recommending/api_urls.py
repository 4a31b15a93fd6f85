"""API routes for recommending and for one's own recommendations; see paperdaily/api_urls.py.

Path parameters are taken as text and checked in the view, so that a malformed id gets the
API's JSON 404 rather than the site's HTML one.
"""

from django.urls import path

from recommendations.recommending import api

urlpatterns = [
    path("recommendations/", api.RecommendationCreate.as_view(), name="recommendation-create"),
    path("recommendations/mine/", api.MyRecommendationList.as_view(), name="recommendation-mine"),
    path("recommendations/mine/<str:id>/", api.MyRecommendationDetail.as_view(), name="recommendation-mine-detail"),
]
