from django.urls import path

from pathways import views

app_name = "pathways"

urlpatterns = [
    path("cases/<int:case_pk>/decision/", views.decision_page, name="decision"),
    path("cases/<int:case_pk>/decision/submit/", views.decision_submit, name="decision-submit"),
    path("decisions/<int:decision_pk>/confirm/", views.decision_confirm, name="decision-confirm"),
    path("decisions/<int:decision_pk>/return/", views.decision_return, name="decision-return"),
]
