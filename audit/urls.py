from django.urls import path
from django.views.decorators.http import require_safe

from audit import views

app_name = "audit"

urlpatterns = [
    path("audit/access-log/", views.access_log, name="access-log"),
    path("audit/access-log.csv", views.access_log_export, name="access-log-export"),
    path("families/<int:family_pk>/chronology-export/", views.chronology_export_new, name="export-new"),
    path("audit/exports/<int:pk>/", views.chronology_export_status, name="export"),
    path("audit/exports/<int:pk>/download/", views.chronology_export_download, name="export-download"),
    path("restricted/<str:record_type>/<int:record_id>/", views.break_glass, name="break-glass"),
    path("restrictions/", views.restriction_list, name="restrictions"),
    path(
        "restrictions/new/<str:record_type>/<int:record_id>/", views.restriction_new, name="restriction-new"
    ),
    path(
        "restrictions/<int:pk>/",
        require_safe(views.restriction_detail),  # its POST handlers re-render it with errors
        name="restriction",
    ),
    path("restrictions/<int:pk>/name/", views.restriction_name, name="restriction-name"),
    path(
        "restrictions/<int:pk>/named/<int:user_pk>/remove/",
        views.restriction_unname,
        name="restriction-unname",
    ),
    path("restrictions/<int:pk>/lift/", views.restriction_lift, name="restriction-lift"),
    path("audit/break-glass/", views.break_glass_report, name="break-glass-report"),
]
