"""Pages in the "recommendations" namespace: issues and recommenders (reading), and recommending."""

from django.urls import path, register_converter

from recommendations.reading import views as reading
from recommendations.recommending import views as recommending


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
    path("issues/", reading.issue_list, name="issue-list"),
    path("issues/<int:number>/", reading.issue_detail, name="issue-detail"),
    path("recommenders/", reading.recommender_list, name="recommender-list"),
    path("recommenders/<handle:handle>/", reading.recommender_detail, name="recommender-detail"),
    path("recommend/", recommending.recommend, name="recommend"),
    path("recommend/mine/", recommending.mine, name="mine"),
    path("recommend/<int:pk>/thanks/", recommending.thanks, name="thanks"),
    path("recommend/<int:pk>/status/", recommending.status, name="status"),
    path("recommend/<int:pk>/edit/", recommending.edit, name="edit"),
    path("recommend/<int:pk>/withdraw/", recommending.withdraw, name="withdraw"),
]
