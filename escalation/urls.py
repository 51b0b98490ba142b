from django.urls import path
from django.views.decorators.http import require_safe

from escalation import views

app_name = "escalation"

urlpatterns = [
    path("disagreements/", views.disagreement_list, name="disagreements"),
    path("disagreements/new/", views.disagreement_new, name="disagreement-new"),
    path(
        "disagreements/<int:pk>/",
        require_safe(views.disagreement_detail),  # its POST handlers re-render it with errors
        name="disagreement",
    ),
    path("disagreements/<int:pk>/<slug:act>/", views.disagreement_act, name="disagreement-act"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox-badge"),
    path("inbox/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("clocks/", views.dashboard, name="dashboard"),
]
