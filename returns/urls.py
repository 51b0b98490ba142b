from django.urls import path

from returns import views

app_name = "returns"

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("returns/census/", views.census, name="census"),
    path("returns/census/<int:year>/quality/", views.census_quality_page, name="census-quality"),
    path("returns/annex-a/", views.annex_a, name="annex-a"),
    path("returns/builds/<int:pk>/", views.build_status, name="build"),
    path("returns/builds/<int:pk>/download/", views.build_download, name="build-download"),
]
