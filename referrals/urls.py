from django.urls import path
from django.views.decorators.http import require_safe

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("help/", views.help_request, name="help"),
    path("help/privacy/", views.help_privacy, name="help-privacy"),
    path("requests/", views.my_requests, name="my-requests"),
    path("requests/new/", views.request_new, name="request-new"),
    path("front-door/", views.queue, name="queue"),
    path(
        "front-door/<int:pk>/",
        require_safe(views.contact_detail),  # its POST handlers re-render it with errors
        name="contact",
    ),
    path("front-door/phone/", views.phone_contact, name="phone"),
    path("front-door/<int:pk>/subjects/<int:subject_pk>/link/", views.subject_link, name="subject-link"),
    path(
        "front-door/<int:pk>/subjects/<int:subject_pk>/unlink/", views.subject_unlink, name="subject-unlink"
    ),
    path("front-door/<int:pk>/triage/", views.contact_triage, name="triage"),
    path("front-door/<int:pk>/feedback/", views.feedback_send, name="feedback"),
    path("front-door/<int:pk>/letter/", views.letter, name="letter"),
    path("front-door/<int:pk>/letter.pdf", views.letter_pdf, name="letter-pdf"),
]
