from django.urls import path, register_converter

from . import views


class HandleConverter:
    """Only handle-shaped values reach the view; anything else is a 404 at routing."""

    regex = "[A-Za-z0-9_-]{2,30}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(HandleConverter, "handle")

app_name = "recommendations"

urlpatterns = [
    path("issues/", views.issue_list, name="issue-list"),
    path("issues/<int:number>/", views.issue_detail, name="issue-detail"),
    path("recommenders/", views.recommender_list, name="recommender-list"),
    path("recommenders/<handle:handle>/", views.recommender_detail, name="recommender-detail"),
]
