"""API routes of the reader's own data (/api/me/...); see paperdaily/api_urls.py.

Path parameters are taken as text and checked in the view, so that a malformed id gets the
API's JSON 404 rather than the site's HTML one.
"""

from django.urls import path

from recommendations.foryou import api

urlpatterns = [
    path("me/follows/", api.FollowList.as_view(), name="me-follows"),
    path("me/follows/<str:kind>/<str:key>/", api.FollowDetail.as_view(), name="me-follow-detail"),
    path("me/library/", api.LibraryList.as_view(), name="me-library"),
    path("me/library/<str:paper_id>/", api.LibraryDetail.as_view(), name="me-library-detail"),
    path("me/for-you/", api.ForYouList.as_view(), name="me-for-you"),
]
