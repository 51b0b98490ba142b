"""Families' feedback on the help they got: the worker's page on a case (ask by a single-use link,
or record what the family said in a conversation) and the family's own form, reached by the link
with no sign-in. Thin: cases/permissions.py decides access, cases/services.py writes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from cases import selectors, services
from cases.forms import FamilyFeedbackForm, FeedbackRecordForm
from cases.models import FeedbackInvitation
from cases.permissions import case_feedback_for_user, may_ask_feedback
from config.forms import form_add_service_errors


def _feedback_page(request, case, *, record_form=None, link=None, status=200):
    return render(
        request,
        "cases/feedback_case.html",
        {
            "case": case,
            "moment": services.feedback_moment(case),
            "may_ask": may_ask_feedback(request.user, case),
            "feedback": selectors.case_feedback(case),
            "invitations": selectors.case_feedback_invitations(case),
            "record_form": record_form or FeedbackRecordForm(),
            "link": link,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def case_feedback(request, pk: int):
    return _feedback_page(request, case_feedback_for_user(request.user, pk))


@login_required
@require_POST
def case_feedback_invite(request, pk: int):
    """Make the family's link and show it, once: only its hash is kept."""
    case = case_feedback_for_user(request.user, pk, "ask")
    try:
        invitation, token = services.feedback_invite(case=case, by=request.user)
    except ValidationError as exc:
        form = FeedbackRecordForm()
        form_add_service_errors(form, exc)
        return _feedback_page(request, case, record_form=form, status=400)
    link = request.build_absolute_uri(reverse("cases:feedback-give", args=[token]))
    return _feedback_page(request, case, link={"url": link, "expires_at": invitation.expires_at})


@login_required
@require_POST
def case_feedback_revoke(request, pk: int, invitation_pk: int):
    case = case_feedback_for_user(request.user, pk, "ask")
    invitation = get_object_or_404(FeedbackInvitation, pk=invitation_pk, case=case)
    try:
        services.feedback_invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The link is withdrawn: it no longer opens the feedback form.")
    return redirect("cases:case-feedback", pk=case.pk)


@login_required
@require_POST
def case_feedback_record(request, pk: int):
    case = case_feedback_for_user(request.user, pk, "ask")
    form = FeedbackRecordForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_record(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "The family's feedback is recorded and on their chronology.")
            return redirect("cases:case-feedback", pk=case.pk)
    return _feedback_page(request, case, record_form=form, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
def feedback_give(request, token: str):
    """Open to anyone holding a working link: a family's feedback, no sign-in. A used, expired,
    withdrawn or unknown link gets the same page, so it tells nothing about which it was."""
    if selectors.feedback_invitation_open(token) is None:
        return render(request, "cases/feedback_link_not_working.html", status=404)
    form = FamilyFeedbackForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.feedback_give(token=token, **form.cleaned_data)
            except ValidationError as exc:
                if getattr(exc, "code", None) == "link":
                    return render(request, "cases/feedback_link_not_working.html", status=404)
                form_add_service_errors(form, exc)
            else:
                return render(request, "cases/feedback_thanks.html")
        return render(request, "cases/feedback_give.html", {"form": form}, status=400)
    return render(request, "cases/feedback_give.html", {"form": form})
