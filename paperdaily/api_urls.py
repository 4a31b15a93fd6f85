"""/api/: the REST API, its OpenAPI schema and its docs page.

Each feature of ``recommendations`` brings its endpoints in its own ``api.py`` and ``api_urls.py``:
reading (papers, topics, areas, search, issues, recommenders), recommending (a recommendation
and one's own), accounts (a token for a password), issues (the editors' issue desk) and for you
(the reader's follows, library and picks under /api/me/).
"""

from django.urls import include, path, reverse
from django.views.generic import RedirectView
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from paperdaily.lib.api import read_errors

app_name = "api"

# What the root lists: name in the answer -> URL name in this namespace.
ROOT_LINKS = {
    "issues": "api:issue-list",
    "papers": "api:paper-list",
    "tags": "api:tag-list",
    "areas": "api:area-list",
    "recommenders": "api:recommender-list",
    "search": "api:search",
    "schema": "api:schema",
    "docs": "api:docs",
}


class ApiRootView(APIView):
    @extend_schema(
        summary="API root",
        tags=["api"],
        description="Links to every collection, the OpenAPI schema and its docs pages.",
        responses={
            200: inline_serializer(name="ApiRoot", fields={name: serializers.URLField() for name in ROOT_LINKS}),
            **read_errors(403, 429),
        },
    )
    def get(self, request):
        return Response({name: request.build_absolute_uri(reverse(url_name)) for name, url_name in ROOT_LINKS.items()})


urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs page loads everything from our static files (templates/api/: no inline script or
    # style, nothing from another host).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    # There was a ReDoc page here; its bundle shows Redocly's logo from their CDN and writes inline
    # styles, so it is gone: its old address leads to the docs page, which has it all.
    path("redoc/", RedirectView.as_view(pattern_name="api:docs", permanent=True), name="redoc"),
    path("", include("recommendations.reading.api_urls")),
    path("", include("recommendations.recommending.api_urls")),
    path("", include("recommendations.accounts.api_urls")),
    path("", include("recommendations.issues.api_urls")),
    path("", include("recommendations.foryou.api_urls")),
]
