from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("families/<int:family_pk>/assessment/", views.assessment_detail, name="assessment"),
    path(
        "families/<int:family_pk>/assessment/contributions/", views.contribution_add, name="contribution-add"
    ),
    path("families/<int:family_pk>/conversations/new/", views.conversation_add, name="conversation-add"),
    path(
        "families/<int:family_pk>/assessment/<slug:section>/", views.section_history, name="section-history"
    ),
]
