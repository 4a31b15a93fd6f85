"""/api/: the REST API, its OpenAPI schema and its docs page.

Reading endpoints live in ``papers/api.py`` and ``recommendations/api.py``; writing ones
(recommending, the editors' issue desk) in ``recommendations/api_write.py``.
"""

from django.urls import include, path, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import read_errors

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
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include("papers.api_urls")),
    path("", include("recommendations.api_urls")),
    path("", include("recommendations.api_write_urls")),
]
