"""Pages for consent, the step-down routes, approval, the Early Help Hub, the MASG and the monthly
audit. Every rule is a service's; permissions come from stepdown/permissions.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.access_log import record_read
from cases.choices import RecordType
from cases.models import Case
from config.forms import form_add_service_errors
from stepdown import drift, forms, selectors, services
from stepdown.choices import CASE_ROUTES, ReviewOutcome, Route, StepDownState
from stepdown.permissions import (
    audit_item_for_user,
    case_for_stepdown,
    consent_for_user,
    drift_teams_for,
    family_for_consent,
    may_audit,
    may_record_consent,
    require_audit_reader,
    require_drift_reviewer,
    require_stepdown_lists,
    review_controls,
    review_item_for_user,
    review_items_visible,
    review_refusal,
    review_set_for_user,
    reviewable_cases_for,
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
                family_group_conference=data["family_group_conference"],
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


# --- drift review and review sets -------------------------------------------------------------------


def _drift_page(request, *, put_form=None, status=200):
    user = request.user
    require_drift_reviewer(user)
    filters = forms.DriftFilterForm(request.GET or None, teams=drift_teams_for(user))
    team = reason = None
    if filters.is_valid():
        team, reason = filters.cleaned_data["team"], filters.cleaned_data["reason"] or None
    elif request.GET:
        status = 400
    rows = drift.drifting_cases(user, team=team, reason=reason)
    reviewable = set(
        reviewable_cases_for(user).filter(pk__in=[row.case.pk for row in rows]).values_list("pk", flat=True)
    )
    open_sets = selectors.open_review_sets(user)
    context = {
        "rows": rows,
        "filters": filters,
        "reviewable": reviewable,
        "put_form": put_form or forms.PutInSetForm(cases=Case.objects.none(), sets=open_sets),
        "ticked": {int(pk) for pk in request.POST.getlist("cases") if pk.isdigit()} if put_form else set(),
        "may_put": bool(reviewable),
    }
    return render(request, "stepdown/drift.html", context, status=status)


@login_required
@require_safe
def drift_review(request):
    return _drift_page(request)


@login_required
@require_POST
def review_set_add(request):
    """Put the ticked cases in a new review set or an open one."""
    user = request.user
    require_drift_reviewer(user)
    form = forms.PutInSetForm(
        request.POST, cases=reviewable_cases_for(user), sets=selectors.open_review_sets(user)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["review_set"]:
                review_set = data["review_set"]
                services.review_cases_add(review_set=review_set, cases=list(data["cases"]), by=user)
            else:
                review_set = services.review_set_create(by=user, name=data["name"], cases=list(data["cases"]))
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            count = len(data["cases"])
            messages.success(request, f"{count} case{'s' if count != 1 else ''} put in {review_set.name}.")
            return redirect(review_set)
    return _drift_page(request, put_form=form, status=400)


@login_required
@require_safe
def review_set_list(request):
    require_drift_reviewer(request.user)
    sets = selectors.review_sets_listed(request.user)
    return render(request, "stepdown/review_sets.html", {"sets": sets})


def _review_set_page(request, review_set, *, bound=None, status=200):
    user = request.user
    items = list(
        review_items_visible(user, review_set).select_related(
            "case__family", "case__team", "case__key_worker", "step_down", "decided_by"
        )
    )
    for item in items:
        record_read(RecordType.CASE, item.case_id, item.case.family_id)
    controls = review_controls(user, items)
    choices = forms.review_outcome_choices() if any(controls.values()) else {}
    for item in items:
        item.may_record = controls[item.pk]
        if bound and bound[0] == item.pk:
            item.form = bound[1]
        elif item.may_record:
            item.form = forms.ReviewOutcomeForm(
                prefix=f"item-{item.pk}", initial={"version": item.version}, choices=choices
            )
    context = {
        "review_set": review_set,
        "items": items,
        "report": selectors.review_set_report(items),
        "bound_item": bound[0] if bound else None,
    }
    return render(request, "stepdown/review_set.html", context, status=status)


@login_required
@require_safe
def review_set_detail(request, pk: int):
    return _review_set_page(request, review_set_for_user(request.user, pk))


@login_required
@require_POST
def review_outcome(request, pk: int, case_pk: int):
    user = request.user
    review_set = review_set_for_user(user, pk)
    item = review_item_for_user(user, review_set, case_pk)
    refusal = review_refusal(user, item.case)
    if refusal:
        raise PermissionDenied(refusal)
    form = forms.ReviewOutcomeForm(request.POST, prefix=f"item-{item.pk}")
    if form.is_valid():
        data = form.cleaned_data
        choice = services.StepDownChoice(
            route=data["route"],
            needs=data["needs"],
            receiving_team=data["receiving_team"],
            receiving_agency=data["receiving_agency"],
        )
        try:
            item = services.review_outcome_record(
                item=item,
                by=user,
                outcome=data["outcome"],
                reason=data["reason"],
                step_down=choice,
                closure_reason=data["closure_reason"],
                expected_version=data["version"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            reference = item.case.reference
            if item.outcome == ReviewOutcome.STEP_DOWN:
                messages.success(
                    request,
                    f"Case {reference}: step-down {item.step_down.reference} proposed. "
                    "It waits for the family's consent.",
                )
                return redirect(item.step_down)
            if item.outcome == ReviewOutcome.ESCALATE:
                messages.success(
                    request, f"Case {reference} escalated: record or propose the pathway decision."
                )
                return redirect("pathways:decision", case_pk=item.case_id)
            messages.success(request, f"Case {reference}: {ReviewOutcome(item.outcome).past_tense}.")
            return redirect(f"{reverse('stepdown:review-set', args=[review_set.pk])}#item-{item.pk}")
    return _review_set_page(request, review_set, bound=(item.pk, form), status=400)
