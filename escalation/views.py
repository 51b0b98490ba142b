"""Pages for professional disagreements, the notifications inbox and the managers' clock dashboard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.forms import form_add_service_errors
from escalation import selectors, services
from escalation.choices import LADDER, DisagreementState
from escalation.forms import EscalateForm, MeetingForm, PositionForm, RaiseForm, ResolveForm, WithdrawForm
from escalation.models import Notification
from escalation.permissions import (
    disagreement_for_user,
    disagreements_visible_to,
    may,
    require_clock_manager,
    require_may_raise,
)
from pathways.permissions import decisions_visible_to


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
            return redirect("escalation:disagreement", pk=disagreement.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "escalation/disagreement_new.html", {"decision": decision, "form": form}, status=status
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
    return render(request, "escalation/disagreement_list.html", context)


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
        "clock": selectors.open_clock(disagreement),
        "forms": forms,
    }
    return render(request, "escalation/disagreement.html", context, status=status)


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
            return redirect("escalation:disagreement", pk=disagreement.pk)
    return disagreement_detail(request, pk, bound=form, status=400)


# --- notifications ----------------------------------------------------------------------------


@login_required
def inbox(request):
    notifications = Notification.objects.filter(user=request.user)[:100]
    return render(request, "escalation/inbox.html", {"notifications": notifications})


@login_required
def inbox_badge(request):
    """The unread count for the header badge (htmx polls it; the inbox link works without)."""
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(request, "escalation/_badge.html", {"unread": unread})


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = Notification.objects.filter(user=request.user, pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    services.notification_read(notification=notification)
    if notification.url.startswith("/") and request.POST.get("open"):
        return redirect(notification.url)
    return redirect("escalation:inbox")


# --- the managers' dashboard ------------------------------------------------------------------


@login_required
def dashboard(request):
    require_clock_manager(request.user)
    return render(request, "escalation/dashboard.html", selectors.dashboard(request.user))
