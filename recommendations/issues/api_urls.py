"""API routes for the editors' issue desk; see paperdaily/api_urls.py.

Path parameters are taken as text and checked in the view, so that a malformed number gets
the API's JSON 404 rather than the site's HTML one.
"""

from django.urls import path

from recommendations.issues import api

urlpatterns = [
    path("editor/issues/", api.IssueDeskList.as_view(), name="editor-issue-list"),
    path("editor/issues/<str:number>/", api.IssueDeskDetail.as_view(), name="editor-issue-detail"),
    path("editor/issues/<str:number>/entries/", api.IssueDeskEntries.as_view(), name="editor-issue-entries"),
    path("editor/issues/<str:number>/publish/", api.IssueDeskPublish.as_view(), name="editor-issue-publish"),
    path("editor/issues/<str:number>/assemble/", api.IssueDeskAssemble.as_view(), name="editor-issue-assemble"),
]
