from django.urls import path, register_converter

from recommendations.reading import views
from recommendations.recommending import views as recommend_views


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
    path("recommend/", recommend_views.recommend, name="recommend"),
    path("recommend/mine/", recommend_views.mine, name="mine"),
    path("recommend/<int:pk>/thanks/", recommend_views.thanks, name="thanks"),
    path("recommend/<int:pk>/status/", recommend_views.status, name="status"),
    path("recommend/<int:pk>/edit/", recommend_views.edit, name="edit"),
    path("recommend/<int:pk>/withdraw/", recommend_views.withdraw, name="withdraw"),
]
