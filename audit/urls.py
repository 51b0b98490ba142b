from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("audit/access-log/", views.access_log, name="access-log"),
    path("audit/access-log.csv", views.access_log_export, name="access-log-export"),
    path("families/<int:family_pk>/chronology-export/", views.chronology_export_new, name="export-new"),
    path("audit/exports/<int:pk>/", views.chronology_export_status, name="export"),
    path("audit/exports/<int:pk>/download/", views.chronology_export_download, name="export-download"),
]
