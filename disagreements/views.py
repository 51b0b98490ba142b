"""Pages for professional disagreements: raising one on a contact's outcome or on a decision, the
list, and each disagreement with the ladder's steps."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.forms import form_add_service_errors
from disagreements import services
from disagreements.choices import LADDER, DisagreementState
from disagreements.forms import (
    DisagreementForm,
    EscalateForm,
    MeetingForm,
    PositionForm,
    RaiseForm,
    ResolveForm,
    WithdrawForm,
)
from disagreements.permissions import disagreement_for_user, disagreements_visible_to, may, require_may_raise
from escalation.selectors import open_clock
from pathways.permissions import decisions_visible_to
from referrals.permissions import letter_for_user, may_disagree


@login_required
@require_http_methods(["GET", "POST"])
def disagree_on_contact(request, pk: int):
    contact = letter_for_user(request.user, pk)
    if not may_disagree(request.user, contact):
        raise PermissionDenied("Only the referrer, or the front door for them, can raise a disagreement.")
    for_someone_else = contact.submitted_by_id != request.user.pk
    form = DisagreementForm(request.POST or None, for_someone_else=for_someone_else)
    if request.method == "POST":
        if form.is_valid():
            try:
                disagreement = services.disagreement_raise_on_contact(
                    contact=contact,
                    by=request.user,
                    position=form.cleaned_data["position"],
                    wanted=form.cleaned_data["wanted"],
                    raised_for=form.cleaned_data.get("raised_for", ""),
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Your disagreement is recorded ({disagreement.reference}). "
                    "A manager will contact you to talk it through.",
                )
                return redirect("disagreements:disagreement", pk=disagreement.pk)
        status = 400
    else:
        status = 200
    return render(
        request, "disagreements/disagree_on_contact.html", {"contact": contact, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def disagreement_new(request):
    """Disagree with a recorded decision on an open case (from the case's decision page)."""
    require_may_raise(request.user)
    decision_id = request.GET.get("decision", "")
    decision = (
        decisions_visible_to(request.user).select_related("case").filter(pk=decision_id).first()
        if decision_id.isascii() and decision_id.isdigit()
        else None
    )
    if decision is None:
        raise Http404("No such decision.")
    form = RaiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            disagreement = services.disagreement_raise_on_decision(
                decision=decision, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Disagreement {disagreement.reference} raised: both sides have been told."
            )
            return redirect("disagreements:disagreement", pk=disagreement.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "disagreements/disagreement_new.html", {"decision": decision, "form": form}, status=status
    )


@login_required
@require_safe
def disagreement_list(request):
    visible = disagreements_visible_to(request.user).select_related("raised_by", "owner", "contact")
    context = {
        "answering": visible.filter(state=DisagreementState.OPEN, owner=request.user),
        "open": visible.filter(state=DisagreementState.OPEN).order_by("-stage", "raised_at"),
        "closed": visible.exclude(state=DisagreementState.OPEN)[:50],
    }
    return render(request, "disagreements/disagreement_list.html", context)


FORMS = {
    "position": (PositionForm, "respond"),
    "meeting": (MeetingForm, "respond"),
    "escalate": (EscalateForm, "escalate"),
    "resolve": (ResolveForm, "resolve"),
    "withdraw": (WithdrawForm, "withdraw"),
}


@login_required
def disagreement_detail(request, pk: int, *, bound=None, status=200):
    disagreement = disagreement_for_user(request.user, pk)
    forms = {}
    if disagreement.state == DisagreementState.OPEN:
        for name, (form_class, action) in FORMS.items():
            if may(request.user, disagreement, action):
                initial = {"version": disagreement.version}
                forms[name] = (
                    bound if bound is not None and bound.prefix == name else form_class(initial=initial)
                )
    context = {
        "disagreement": disagreement,
        "ladder": LADDER,
        "events": disagreement.events.select_related("by"),
        "clock": open_clock(disagreement),
        "forms": forms,
    }
    return render(request, "disagreements/disagreement.html", context, status=status)


ACTS = {
    "position": lambda d, by, data: services.disagreement_position_add(
        disagreement=d, by=by, text=data["text"]
    ),
    "meeting": lambda d, by, data: services.disagreement_meeting_record(disagreement=d, by=by, **data),
    "escalate": lambda d, by, data: services.disagreement_escalate(
        disagreement=d, by=by, reason=data["reason"], expected_version=data["version"]
    ),
    "resolve": lambda d, by, data: services.disagreement_resolve(
        disagreement=d,
        by=by,
        resolution=data["resolution"],
        decision_changed=data["decision_changed"],
        late_reason=data["late_reason"],
        expected_version=data["version"],
    ),
    "withdraw": lambda d, by, data: services.disagreement_withdraw(
        disagreement=d, by=by, reason=data["reason"]
    ),
}
DONE = {
    "position": "Your position is on record.",
    "meeting": "Meeting recorded.",
    "escalate": "Escalated to the next stage: both sides have been told.",
    "resolve": "Resolution recorded: both sides have been told.",
    "withdraw": "Withdrawn.",
}


@login_required
@require_POST
def disagreement_act(request, pk: int, act: str):
    if act not in FORMS:
        raise Http404("No such action.")
    form_class, action = FORMS[act]
    disagreement = disagreement_for_user(request.user, pk, action)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            ACTS[act](disagreement, request.user, form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, DONE[act])
            return redirect("disagreements:disagreement", pk=disagreement.pk)
    return disagreement_detail(request, pk, bound=form, status=400)
