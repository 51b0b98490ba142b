from django.urls import path

from escalation import views

app_name = "escalation"

urlpatterns = [
    path("tray/", views.tray, name="tray"),
    path("tray/badge/", views.tray_badge, name="tray-badge"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox-badge"),
    path("inbox/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("clocks/", views.dashboard, name="dashboard"),
    path("clocks/<int:pk>/", views.clock_detail, name="clock"),
]
