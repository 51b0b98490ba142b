from django.urls import path
from django.views.decorators.http import require_safe

from disagreements import views

app_name = "disagreements"

urlpatterns = [
    path("disagreements/", views.disagreement_list, name="disagreements"),
    path("disagreements/new/", views.disagreement_new, name="disagreement-new"),
    path(
        "disagreements/<int:pk>/",
        require_safe(views.disagreement_detail),  # its POST handlers re-render it with errors
        name="disagreement",
    ),
    path("disagreements/<int:pk>/<slug:act>/", views.disagreement_act, name="disagreement-act"),
    path("front-door/<int:pk>/disagree/", views.disagree_on_contact, name="disagree-on-contact"),
]
