from django.urls import path

from recommendations.privacy import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.privacy, name="page"),
    path("privacy/data.json", views.data_download, name="download"),
    path("delete/", views.account_delete, name="delete"),
]
