"""The decision screen of a case: what the assessment suggests, proposals waiting, the form to
propose or record a decision, and the pathway history."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from assessments.models import Assessment
from assessments.selectors import current_contributions, indicator_summary
from config.forms import form_add_service_errors
from pathways import services
from pathways.choices import DecisionState
from pathways.forms import (
    AssessmentAuthoriseForm,
    CpCategoryForm,
    CpEndForm,
    DecisionConfirmForm,
    DecisionForm,
    DecisionReturnForm,
    IcpcForm,
    S47OutcomeForm,
)
from pathways.models import Decision, PathwayTransition
from pathways.permissions import (
    case_for_decisions,
    cp_plan_on_case,
    decision_controls,
    decision_for_user,
    packages_visible_to,
    proposal_controls,
)
from pathways.selectors import child_records, children_awaiting


def _cited(case):
    assessment = Assessment.objects.filter(family=case.family).first()
    contributions = list(current_contributions(assessment)) if assessment else []
    summary = indicator_summary(contributions)
    cited = summary.immediate + [i for _, indicators in summary.by_level for i in indicators]
    return summary, cited


def _page(request, case, *, form=None, return_form=None, census_forms=None, status=200):
    census_forms = census_forms or {}
    summary, cited = _cited(case)
    user = request.user
    decisions = list(
        Decision.objects.filter(case=case)
        .select_related("proposed_by", "decided_by")
        .order_by("-proposed_at")
    )
    pending = next((decision for decision in decisions if decision.state == DecisionState.PROPOSED), None)
    records = child_records(case)
    context = {
        "case": case,
        "summary": summary,
        "pending": pending,
        **decision_controls(user, case),
        **proposal_controls(user, case, pending),
        "form": form or DecisionForm(initial={"version": case.version}, cited=cited),
        "confirm_form": DecisionConfirmForm(initial={"version": case.version}),
        "return_form": return_form or DecisionReturnForm(initial={"version": case.version}),
        "decisions": decisions,
        # The family's pathway timeline, across every episode.
        "history": PathwayTransition.objects.filter(case__family=case.family).select_related(
            "by", "decision", "case"
        ),
        "packages": packages_visible_to(user).filter(decision__case=case).order_by("-version"),
        "child_records": records,
        **{
            name: census_forms.get(name) or _census_form(name, case, records=records) for name in CENSUS_FORMS
        },
        "cin_from_pathway": settings.CIN_EPISODE_FROM_PATHWAY,
    }
    context["cp_forms"] = [context["category_form"], context["cp_end_form"]]
    return render(request, "pathways/decision.html", context, status=status)


@login_required
@require_safe
def decision_page(request, case_pk: int):
    return _page(request, case_for_decisions(request.user, case_pk))


@login_required
@require_POST
def decision_submit(request, case_pk: int):
    mode = "record" if request.POST.get("mode") == "record" else "propose"
    case = case_for_decisions(request.user, case_pk, mode)
    _, cited = _cited(case)
    form = DecisionForm(request.POST, cited=cited)
    if form.is_valid():
        data = form.cleaned_data
        details = services.DecisionDetails(
            outcome=data["outcome"],
            rationale=data["rationale"],
            indicators=form.cleaned_indicators(),
            family_view=data["family_view"],
            consulted=data["consulted"],
            family_consents_to_share=data["family_consents_to_share"],
            shared_with=tuple(data["shared_with"]),
            lawful_basis=data["lawful_basis"],
            closure_reason=data["closure_reason"],
            ecpp=data["ecpp"],
            referral_source=data["referral_source"],
            primary_need=data["primary_need"],
        )
        act = services.decision_record if mode == "record" else services.decision_propose
        try:
            decision = act(case=case, by=request.user, details=details, expected_version=data["version"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            verb = "recorded" if mode == "record" else "proposed for confirmation"
            messages.success(request, f"Decision {verb}: {decision.get_outcome_display()}.")
            return redirect("pathways:decision", case_pk=case.pk)
    return _page(request, case, form=form, status=400)


@login_required
@require_POST
def decision_confirm(request, decision_pk: int):
    decision = decision_for_user(request.user, decision_pk, "confirm")
    form = DecisionConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "The page was out of date: nothing was confirmed. Check the decision and try again."
        )
        return redirect("pathways:decision", case_pk=decision.case_id)
    try:
        services.decision_confirm(
            decision=decision, by=request.user, expected_version=form.cleaned_data["version"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Decision confirmed: {decision.get_outcome_display()}.")
    return redirect("pathways:decision", case_pk=decision.case_id)


@login_required
@require_POST
def decision_return(request, decision_pk: int):
    decision = decision_for_user(request.user, decision_pk, "return")
    form = DecisionReturnForm(request.POST)
    if form.is_valid():
        try:
            services.decision_return(
                decision=decision,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "The proposal went back to its proposer.")
            return redirect("pathways:decision", case_pk=decision.case_id)
    return _page(request, decision.case, return_form=form, status=400)


# The steps on the children's records the decision page offers: each form, who it lists, and the
# service it calls. The services check who may act; the forms only gather what was typed.
CENSUS_FORMS = {
    "authorise_form": (AssessmentAuthoriseForm, lambda waiting: {"children": waiting["assessment"]}),
    "s47_form": (S47OutcomeForm, lambda waiting: {"children": waiting["s47_outcome"]}),
    "icpc_form": (IcpcForm, lambda waiting: {"children": waiting["icpc"]}),
    "category_form": (CpCategoryForm, lambda waiting: {}),
    "cp_end_form": (CpEndForm, lambda waiting: {}),
}


def _census_form(name, case, data=None, *, records=None):
    form_class, kwargs = CENSUS_FORMS[name]
    waiting = children_awaiting(child_records(case) if records is None else records, case)
    return form_class(data, **kwargs(waiting))


def _cp_plan_step(act):
    def step(case, by, form):
        data = dict(form.cleaned_data)
        cp_plan = cp_plan_on_case(case, data.pop("cp_plan"))
        return act(cp_plan=cp_plan, by=by, **data)

    return step


CENSUS_ACTIONS = {
    "authorise": (
        "authorise_form",
        lambda case, by, form: services.assessment_authorise(case=case, by=by, **form.cleaned_data),
        "Assessment authorised.",
    ),
    "s47": (
        "s47_form",
        lambda case, by, form: services.s47_outcome_record(case=case, by=by, **form.cleaned_data),
        "Section 47 outcome recorded.",
    ),
    "icpc": (
        "icpc_form",
        lambda case, by, form: services.icpc_record(
            case=case,
            by=by,
            held_on=form.cleaned_data["held_on"],
            late_reason=form.cleaned_data["late_reason"],
            children=form.cleaned_children(),
        ),
        "Initial child protection conference recorded.",
    ),
    "category": (
        "category_form",
        _cp_plan_step(services.cp_plan_category_change),
        "Category of abuse changed.",
    ),
    "cp-end": ("cp_end_form", _cp_plan_step(services.cp_plan_end), "Child protection plan ended."),
}


@login_required
@require_POST
def census_record(request, case_pk: int, step: str):
    if step not in CENSUS_ACTIONS:
        raise Http404("No such step.")
    case = case_for_decisions(request.user, case_pk, "propose")
    name, act, success = CENSUS_ACTIONS[step]
    form = _census_form(name, case, request.POST)
    if form.is_valid():
        try:
            act(case, request.user, form)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("pathways:decision", case_pk=case.pk)
    return _page(request, case, census_forms={name: form}, status=400)
