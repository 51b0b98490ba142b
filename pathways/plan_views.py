"""The plan page of a case: outcomes, actions (who, what, by when, status), reviews, history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from config.forms import form_add_service_errors
from pathways import services
from pathways.choices import ActionStatus
from pathways.forms import PlanActionForm, PlanOutcomeForm, PlanReviewForm
from pathways.models import Plan
from pathways.permissions import case_for_plan, plan_controls


def _page(request, case, *, outcome_form=None, action_form=None, review_form=None, status=200):
    plan = Plan.objects.filter(case=case).first()
    context = {
        "case": case,
        "plan": plan,
        **plan_controls(request.user, case, plan),
        "statuses": ActionStatus.choices,
        "outcome_form": outcome_form or PlanOutcomeForm(),
        "action_form": action_form or PlanActionForm(plan=plan),
        "review_form": review_form or PlanReviewForm(initial={"version": plan.version if plan else 0}),
    }
    if plan:
        context.update(
            outcomes=plan.outcomes.all(),
            actions=plan.actions.select_related("outcome"),
            reviews=plan.reviews.select_related("recorded_by"),
            changes=plan.changes.select_related("by"),
        )
    return render(request, "pathways/plan.html", context, status=status)


def _plan(case) -> Plan:
    plan = Plan.objects.filter(case=case).first()
    if plan is None:
        raise Http404("This case has no plan yet.")
    return plan


@login_required
@require_safe
def plan_page(request, case_pk: int):
    return _page(request, case_for_plan(request.user, case_pk))


def _attempt(request, case, form, act, success: str, form_name: str):
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("pathways:plan", case_pk=case.pk)
    return _page(request, case, status=400, **{form_name: form})


@login_required
@require_POST
def plan_start(request, case_pk: int):
    case = case_for_plan(request.user, case_pk, "start")
    try:
        plan = services.plan_start(
            case=case, by=request.user, late_reason=request.POST.get("late_reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{plan.get_kind_display()} started.")
    return redirect("pathways:plan", case_pk=case.pk)


@login_required
@require_POST
def plan_outcome_add(request, case_pk: int):
    case = case_for_plan(request.user, case_pk, "change")
    plan = _plan(case)
    form = PlanOutcomeForm(request.POST)
    return _attempt(
        request,
        case,
        form,
        lambda data: services.plan_outcome_add(plan=plan, by=request.user, **data),
        "Outcome added.",
        "outcome_form",
    )


@login_required
@require_POST
def plan_action_add(request, case_pk: int):
    case = case_for_plan(request.user, case_pk, "change")
    plan = _plan(case)
    form = PlanActionForm(request.POST, plan=plan)
    return _attempt(
        request,
        case,
        form,
        lambda data: services.plan_action_add(plan=plan, by=request.user, **data),
        "Action added.",
        "action_form",
    )


@login_required
@require_POST
def plan_action_status(request, case_pk: int, action_pk: int):
    case = case_for_plan(request.user, case_pk, "change")
    action = _plan(case).actions.filter(pk=action_pk).first()
    if action is None:
        raise Http404("No such action.")
    try:
        services.plan_action_status_set(action=action, by=request.user, status=request.POST.get("status", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Action updated.")
    return redirect("pathways:plan", case_pk=case.pk)


@login_required
@require_POST
def plan_review_add(request, case_pk: int):
    case = case_for_plan(request.user, case_pk, "change")
    plan = _plan(case)
    form = PlanReviewForm(request.POST)
    return _attempt(
        request,
        case,
        form,
        lambda data: services.plan_review_record(
            plan=plan,
            by=request.user,
            held_on=data["held_on"],
            notes=data["notes"],
            late_reason=data["late_reason"],
            expected_version=data["version"],
        ),
        "Review recorded.",
        "review_form",
    )
