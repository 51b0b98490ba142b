from django.urls import path

from pathways import plan_views, supervision_views, views

app_name = "pathways"

urlpatterns = [
    path("cases/<int:case_pk>/decision/", views.decision_page, name="decision"),
    path("cases/<int:case_pk>/decision/submit/", views.decision_submit, name="decision-submit"),
    path("decisions/<int:decision_pk>/confirm/", views.decision_confirm, name="decision-confirm"),
    path("decisions/<int:decision_pk>/return/", views.decision_return, name="decision-return"),
    path("cases/<int:case_pk>/census/<slug:step>/", views.census_record, name="census"),
    path("cases/<int:case_pk>/plan/", plan_views.plan_page, name="plan"),
    path("cases/<int:case_pk>/plan/start/", plan_views.plan_start, name="plan-start"),
    path("cases/<int:case_pk>/plan/outcomes/", plan_views.plan_outcome_add, name="plan-outcome-add"),
    path("cases/<int:case_pk>/plan/actions/", plan_views.plan_action_add, name="plan-action-add"),
    path(
        "cases/<int:case_pk>/plan/actions/<int:action_pk>/status/",
        plan_views.plan_action_status,
        name="plan-action-status",
    ),
    path("cases/<int:case_pk>/plan/reviews/", plan_views.plan_review_add, name="plan-review-add"),
    path("cases/<int:case_pk>/supervisions/", supervision_views.supervisions_page, name="supervisions"),
    path(
        "cases/<int:case_pk>/supervisions/record/",
        supervision_views.supervision_record,
        name="supervision-record",
    ),
    path("supervisions/overdue/", supervision_views.supervisions_overdue, name="supervisions-overdue"),
    path("supervisions/<int:pk>/", supervision_views.supervision_page, name="supervision"),
    path(
        "supervisions/<int:pk>/reflections/",
        supervision_views.supervision_reflect,
        name="supervision-reflect",
    ),
    path(
        "supervision-actions/<int:pk>/done/",
        supervision_views.supervision_action_done,
        name="supervision-action-done",
    ),
]
