"""API routes for writing: recommending, and the editors' issue desk; see paperdaily/api_urls.py.

Path parameters are taken as text and checked in the view, so that a malformed id or number
gets the API's JSON 404 rather than the site's HTML one.
"""

from django.urls import path

from recommendations import api_write as views

urlpatterns = [
    path("recommendations/", views.RecommendationCreate.as_view(), name="recommendation-create"),
    path("recommendations/mine/", views.MyRecommendationList.as_view(), name="recommendation-mine"),
    path("recommendations/mine/<str:id>/", views.MyRecommendationDetail.as_view(), name="recommendation-mine-detail"),
    path("auth/token/", views.TokenObtain.as_view(), name="auth-token"),
    path("editor/issues/", views.IssueDeskList.as_view(), name="editor-issue-list"),
    path("editor/issues/<str:number>/", views.IssueDeskDetail.as_view(), name="editor-issue-detail"),
    path("editor/issues/<str:number>/entries/", views.IssueDeskEntries.as_view(), name="editor-issue-entries"),
    path("editor/issues/<str:number>/publish/", views.IssueDeskPublish.as_view(), name="editor-issue-publish"),
    path("editor/issues/<str:number>/assemble/", views.IssueDeskAssemble.as_view(), name="editor-issue-assemble"),
]
