from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("audit/access-log/", views.access_log, name="access-log"),
    path("audit/access-log.csv", views.access_log_export, name="access-log-export"),
]
