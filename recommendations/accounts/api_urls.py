"""API route for exchanging a user name and password for a token; see paperdaily/api_urls.py."""

from django.urls import path

from recommendations.accounts import api

urlpatterns = [
    path("auth/token/", api.TokenObtain.as_view(), name="auth-token"),
]
