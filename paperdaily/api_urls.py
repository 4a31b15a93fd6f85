"""/api/: the REST API, its OpenAPI schema and its docs page.

Each feature of ``recommendations`` brings its endpoints in its own ``api.py`` and ``api_urls.py``:
reading (papers, topics, areas, search, issues, recommenders), recommending (a recommendation
and one's own), accounts (a token for a password) and issues (the editors' issue desk).
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace, csp_update
from django.urls import include, path, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
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
    "redoc": "api:redoc",
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
    # Both pages load their scripts from our static files (templates/api/: no inline script or style).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    # ReDoc's bundle writes <style> elements as it loads (before a nonce could be handed to it),
    # runs its search in a worker made from a blob: URL, and shows Redocly's logo from their CDN.
    # Its scripts stay as strict as everywhere else.
    path(
        "redoc/",
        csp_replace({"style-src": [SELF, UNSAFE_INLINE]})(
            csp_update({"worker-src": [SELF, "blob:"], "img-src": ["https://cdn.redoc.ly"]})(
                SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
            )
        ),
        name="redoc",
    ),
    path("", include("recommendations.reading.api_urls")),
    path("", include("recommendations.recommending.api_urls")),
    path("", include("recommendations.accounts.api_urls")),
    path("", include("recommendations.issues.api_urls")),
]
