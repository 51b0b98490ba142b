"""Pages for consent, the step-down routes, approval, the Early Help Hub, the MASG and the monthly
audit. Every rule is a service's; permissions come from stepdown/permissions.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.forms import form_add_service_errors
from stepdown import forms, selectors, services
from stepdown.choices import CASE_ROUTES, Route, StepDownState
from stepdown.permissions import (
    audit_item_for_user,
    case_for_stepdown,
    consent_for_user,
    family_for_consent,
    may_audit,
    may_record_consent,
    require_audit_reader,
    require_stepdown_lists,
    stepdown_controls,
    stepdown_for_user,
    stepdown_to_take_up,
)

# --- consent ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def consent_list(request, family_pk: int):
    action = "record" if request.method == "POST" else "view"
    family = family_for_consent(request.user, family_pk, action)
    form = forms.ConsentForm(request.POST or None, family=family)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent = services.consent_record(
                family=family,
                by=request.user,
                given_by=data["given_by"],
                method=data["method"],
                recorded_where=data["recorded_where"],
                given_on=data["given_on"],
                early_help=data["early_help"],
                share_with=list(data["share_with"]),
                referral_agency=data["referral_agency"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Consent {consent.reference} recorded.")
            back = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                back = reverse("stepdown:consents", args=[family.pk])
            return redirect(back)
    consents = family.consents.select_related("given_by", "recorded_by", "referral_agency", "withdrawn_by")
    context = {
        "family": family,
        "consents": consents.prefetch_related("share_with"),
        "form": form,
        "withdraw_form": forms.ConsentWithdrawForm(initial={"withdrawn_on": timezone.localdate()}),
        "can_record": may_record_consent(request.user),
    }
    return render(request, "stepdown/consents.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def consent_withdraw(request, pk: int):
    consent = consent_for_user(request.user, pk, "withdraw")
    form = forms.ConsentWithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.consent_withdraw(consent=consent, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Consent {consent.reference} is recorded as withdrawn.")
            return redirect("stepdown:consents", consent.family_id)
    for error in [*form.non_field_errors(), *(e for f in form for e in f.errors)]:
        messages.error(request, error)
    return redirect("stepdown:consents", consent.family_id)


# --- proposing ----------------------------------------------------------------------------------


@login_required
@require_safe
def stepdown_routes(request, case_pk: int):
    case = case_for_stepdown(request.user, case_pk)
    routes = [(route, Route(route)) for route in CASE_ROUTES]
    context = {"case": case, "routes": routes, "current": selectors.current_stepdown(case)}
    return render(request, "stepdown/routes.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def stepdown_new(request, case_pk: int, route: str):
    case = case_for_stepdown(request.user, case_pk)
    if route not in CASE_ROUTES:
        raise Http404("No such route.")
    form = forms.StepDownForm(
        request.POST or None, route=route, family=case.family, initial={"version": case.version}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = services.StepDownDetails(
            route=route,
            rationale=data["rationale"],
            needs=data["needs"],
            consent=data["consent"],
            receiving_team=data.get("receiving_team"),
            receiving_agency=data.get("receiving_agency"),
            lead_professional=data.get("lead_professional"),
            cin_meeting_on=data.get("cin_meeting_on"),
            agreement=data.get("agreement") or "",
        )
        try:
            step_down = services.stepdown_propose(
                case=case, by=request.user, details=details, expected_version=data["version"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Step-down {step_down.reference}: {step_down.get_state_display().lower()}."
            )
            return redirect(step_down)
    context = {"case": case, "route": Route(route), "form": form}
    return render(request, "stepdown/new.html", context, status=400 if form.errors else 200)


# --- one step-down ------------------------------------------------------------------------------


def _action_forms(step_down, user, bound=None):
    """The forms the page offers for where the step-down stands (a bound one replaces its blank)."""
    controls = stepdown_controls(user, step_down)
    initial = {"version": step_down.version}
    state, route = step_down.state, step_down.route
    offered = {}
    if state == StepDownState.AWAITING_CONSENT and controls["can_submit"]:
        offered["submit"] = forms.SubmitForm(initial=initial, family=step_down.family)
    if state == StepDownState.PROPOSED and controls["can_approve"]:
        offered["approve"] = forms.VersionForm(initial=initial)
        offered["return"] = forms.ReasonForm(initial=initial)
    if state in (StepDownState.AWAITING_CONSENT, StepDownState.PROPOSED) and controls["can_withdraw"]:
        offered["withdraw"] = forms.WithdrawForm(initial=initial)
    if controls["can_hub"]:
        if route == Route.CONTACT and state == StepDownState.WITH_HUB:
            offered["review"] = forms.HubReviewForm(initial=initial)
            offered["return"] = forms.ReasonForm(initial=initial)
        elif route in (Route.REFERRAL, Route.MASH_ENQUIRY) and state in (
            StepDownState.WITH_HUB,
            StepDownState.DISCUSSING,
        ):
            offered["accept"] = forms.AcceptForm(initial=initial)
            if state == StepDownState.WITH_HUB:
                offered["discuss"] = forms.NoteForm(initial=initial)
    if state == StepDownState.AWAITING_PANEL and controls["can_panel"]:
        offered["panel"] = forms.PanelForm(initial=initial)
    if bound:
        offered.update(bound)
    return offered


def stepdown_detail(request, pk: int, *, bound=None, status=200):
    step_down = stepdown_for_user(request.user, pk)
    context = {
        "step_down": step_down,
        "events": step_down.events.select_related("by"),
        "forms": _action_forms(step_down, request.user, bound),
        "consents_url": reverse("stepdown:consents", args=[step_down.family_id]),
    }
    return render(request, "stepdown/detail.html", context, status=status)


# act -> (the permission action it needs, the form that collects it)
ACTIONS = {
    "submit": ("submit", forms.SubmitForm),
    "approve": ("approve", forms.VersionForm),
    "return": ("return", forms.ReasonForm),
    "withdraw": ("withdraw", forms.WithdrawForm),
    "review": ("hub", forms.HubReviewForm),
    "discuss": ("hub", forms.NoteForm),
    "accept": ("hub", forms.AcceptForm),
    "panel": ("panel", forms.PanelForm),
}


@login_required
@require_POST
def stepdown_act(request, pk: int, act: str):
    if act not in ACTIONS:
        raise Http404("No such action.")
    permission, form_class = ACTIONS[act]
    step_down = stepdown_for_user(request.user, pk, permission)
    extra = {"family": step_down.family} if form_class is forms.SubmitForm else {}
    form = form_class(request.POST, **extra)
    if form.is_valid():
        try:
            services.stepdown_act(step_down=step_down, by=request.user, act=act, values=form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            step_down.refresh_from_db()
            messages.success(
                request, f"Step-down {step_down.reference}: {step_down.get_state_display().lower()}."
            )
            return redirect(step_down)
    return stepdown_detail(request, pk, bound={act: form}, status=400)


@login_required
@require_POST
def stepdown_take_up(request, pk: int):
    step_down = stepdown_to_take_up(request.user, pk)
    try:
        services.stepdown_take_up(step_down=step_down, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"You lead this family's support now (step-down {step_down.reference}).")
    return redirect("cases:case-detail", step_down.case_id)


@login_required
@require_safe
def stepdown_list(request):
    require_stepdown_lists(request.user)
    queues = selectors.stepdown_queues(request.user)
    return render(request, "stepdown/list.html", {"queues": queues})


# --- the monthly audit --------------------------------------------------------------------------


def _month(request):
    form = forms.AuditMonthForm(request.GET or None)
    if request.GET and form.is_valid():
        return form, form.cleaned_data["month"]
    return form, timezone.localdate().replace(day=1)


@login_required
@require_safe
def audit_report(request, *, sample_form=None, status=200):
    require_audit_reader(request.user)
    month_form, month = _month(request)
    report = selectors.audit_report(request.user, month)
    context = {
        "report": report,
        "month_form": month_form,
        "finding_form": forms.FindingForm(),
        "can_audit": may_audit(request.user),
        "sample_error": sample_form,
    }
    return render(request, "stepdown/audit.html", context, status=400 if month_form.errors else status)


@login_required
@require_POST
def audit_sample(request):
    require_audit_reader(request.user)
    form = forms.AuditMonthForm(request.POST)
    if form.is_valid():
        month = form.cleaned_data["month"]
        try:
            sample = services.audit_sample_draw(month=month, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{sample} drawn: {sample.items.count()} of {sample.population}.")
        return redirect(f"{reverse('stepdown:audit')}?month={month:%Y-%m}")
    messages.error(request, "Enter a month like 2026-11.")
    return redirect("stepdown:audit")


@login_required
@require_POST
def audit_finding(request, pk: int):
    item = audit_item_for_user(request.user, pk)
    form = forms.FindingForm(request.POST)
    back = f"{reverse('stepdown:audit')}?month={item.sample.month:%Y-%m}#item-{item.pk}"
    if form.is_valid():
        try:
            services.audit_finding_record(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Findings recorded.")
            return redirect(back)
    # Keep what was typed: show the report with this item's form bound.
    report = selectors.audit_report(request.user, item.sample.month)
    context = {
        "report": report,
        "month_form": forms.AuditMonthForm(initial={"month": item.sample.month}),
        "finding_form": forms.FindingForm(),
        "bound_item": item.pk,
        "bound_form": form,
        "can_audit": True,
    }
    return render(request, "stepdown/audit.html", context, status=400)
