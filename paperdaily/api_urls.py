"""/api/: the REST API, its OpenAPI schema and its docs page.

Reading endpoints live in ``papers/api.py`` and ``recommendations/api.py``; writing ones
(recommending, the editors' issue desk) in ``recommendations/api_write.py``.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include("papers.api_urls")),
    path("", include("recommendations.api_urls")),
    path("", include("recommendations.api_write_urls")),
]
