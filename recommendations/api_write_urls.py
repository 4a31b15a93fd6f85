"""API routes; see paperdaily/api_urls.py."""

urlpatterns = []
