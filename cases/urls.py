from django.urls import path
from django.views.decorators.http import require_safe

from cases import feedback_views, views

app_name = "cases"

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/chronology/", views.case_chronology_add, name="case-chronology-add"),
    path("cases/<int:pk>/allocate/", views.case_allocate, name="case-allocate"),
    path("cases/<int:pk>/close/", views.case_close, name="case-close"),
    path("cases/<int:pk>/involvements/", views.case_involvement_add, name="case-involvement-add"),
    path(
        "cases/<int:pk>/involvements/<int:involvement_pk>/end/",
        views.case_involvement_end,
        name="case-involvement-end",
    ),
    path("cases/<int:pk>/feedback/", feedback_views.case_feedback, name="case-feedback"),
    path("cases/<int:pk>/feedback/invite/", feedback_views.case_feedback_invite, name="case-feedback-invite"),
    path("cases/<int:pk>/feedback/record/", feedback_views.case_feedback_record, name="case-feedback-record"),
    path(
        "cases/<int:pk>/feedback/links/<int:invitation_pk>/withdraw/",
        feedback_views.case_feedback_revoke,
        name="case-feedback-revoke",
    ),
    # Public: a family's single-use link (no sign-in).
    path("feedback/<str:token>/", feedback_views.feedback_give, name="feedback-give"),
    path("families/<int:pk>/", views.family_detail, name="family-detail"),
    path("people/", views.person_search, name="person-search"),
    path(
        "people/<int:pk>/",
        require_safe(views.person_detail),  # its POST handlers re-render it with errors
        name="person-detail",
    ),
    path("people/<int:pk>/details/", views.person_details, name="person-details"),
    path("people/<int:pk>/merge/", views.person_merge, name="person-merge"),
]
