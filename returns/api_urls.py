from django.urls import path

from returns import apis

urlpatterns = [
    path("dashboard/", apis.DashboardView.as_view(), name="api-dashboard"),
    path("returns/cin-census/", apis.CensusRequestView.as_view(), name="api-census"),
    path(
        "returns/cin-census/<int:year>/quality/", apis.CensusQualityView.as_view(), name="api-census-quality"
    ),
    path("returns/annex-a/", apis.AnnexARequestView.as_view(), name="api-annex-a"),
    path("returns/builds/<int:pk>/", apis.BuildView.as_view(), name="api-return-build"),
    path("returns/builds/<int:pk>/download/", apis.BuildDownloadView.as_view(), name="api-return-download"),
]
