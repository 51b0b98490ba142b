"""Case supervision pages: the case's supervisions with the record form, one supervision with its
actions and reflections, and a manager's cases overdue for supervision."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Team, User
from cases.models import Case
from config.forms import form_add_service_errors
from pathways import selectors, services
from pathways.forms import SupervisionForm, SupervisionReflectionForm, supervision_action_formset
from pathways.permissions import (
    case_for_supervision,
    may_mark_done,
    may_supervise,
    supervision_action_for_user,
    supervision_controls,
    supervision_for_user,
)


def _practitioners(case: Case, user):
    """Who may be supervised on the case: those allocated to it now (never the manager)."""
    return (
        User.objects.filter(allocations__case=case, allocations__ended_at__isnull=True, is_active=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def _owners(case: Case, user):
    """Who an action may go to: the case's workers, its team, and the manager recording it."""
    return (
        User.objects.filter(
            Q(allocations__case=case, allocations__ended_at__isnull=True)
            | Q(teams=case.team)
            | Q(managed_teams=case.team)
            | Q(pk=user.pk),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def _forms(case: Case, user, data=None):
    children = list(selectors.case_children(case))
    initial = {
        "practitioner": case.key_worker_id if case.key_worker_id != user.pk else None,
        "held_on": timezone.localdate(),
        "children": [child.pk for child in children],
    }
    form = SupervisionForm(data, initial=initial, practitioners=_practitioners(case, user), children=children)
    return form, supervision_action_formset(data, owners=_owners(case, user))


def _list_page(request, case, *, form=None, formset=None, status=200):
    controls = supervision_controls(request.user, case)
    if controls["can_record"] and form is None:
        form, formset = _forms(case, request.user)
    context = {
        "case": case,
        "supervisions": selectors.case_supervisions(case),
        **selectors.supervision_status(case),
        **controls,
        "form": form,
        "formset": formset,
        "weeks": services.supervision_weeks(case.pathway),
    }
    return render(request, "pathways/supervisions.html", context, status=status)


@login_required
@require_safe
def supervisions_page(request, case_pk: int):
    return _list_page(request, case_for_supervision(request.user, case_pk))


def _action_rows(formset) -> list[tuple[object, services.SupervisionActionDetails]]:
    rows = []
    for action_form in formset:
        if action_form.is_blank:
            continue
        data = action_form.cleaned_data
        rows.append(
            (
                action_form,
                services.SupervisionActionDetails(
                    what=data.get("what", ""), owner=data.get("owner"), by_when=data.get("by_when")
                ),
            )
        )
    return rows


def _show_errors(form, rows, exc: ValidationError) -> None:
    """Errors on an action (`actions.<row>.<field>`) land on its row; the rest on the form."""
    if not hasattr(exc, "error_dict"):
        form_add_service_errors(form, exc)
        return
    for key, messages_ in exc.message_dict.items():
        parts = key.split(".")
        if parts[0] == "actions" and len(parts) == 3 and int(parts[1]) <= len(rows):
            action_form = rows[int(parts[1]) - 1][0]
            for message in messages_:
                action_form.add_error(parts[2] if parts[2] in action_form.fields else None, message)
            continue
        visible = key in form.fields and not form.fields[key].widget.is_hidden
        for message in messages_:
            form.add_error(key if visible else None, message)


@login_required
@require_POST
def supervision_record(request, case_pk: int):
    case = case_for_supervision(request.user, case_pk, "record")
    form, formset = _forms(case, request.user, request.POST)
    if form.is_valid() and formset.is_valid():
        rows = _action_rows(formset)
        data = form.cleaned_data
        try:
            supervision = services.supervision_record(
                case=case,
                by=request.user,
                practitioner=data["practitioner"],
                held_on=data["held_on"],
                children=data["children"],
                what_changed=data["what_changed"],
                child_voice=data["child_voice"],
                plan_progress=data["plan_progress"],
                discussion=data["discussion"],
                direction=data["direction"],
                actions=[details for _, details in rows],
                late_reason=data["late_reason"],
            )
        except ValidationError as exc:
            _show_errors(form, rows, exc)
        else:
            messages.success(request, f"Supervision of {supervision.held_on:%-d %B %Y} recorded.")
            return redirect("pathways:supervision", pk=supervision.pk)
    return _list_page(request, case, form=form, formset=formset, status=400)


def _detail_page(request, supervision, *, reflection_form=None, status=200):
    supervision = selectors.case_supervisions(supervision.case).get(pk=supervision.pk)
    user = request.user
    actions = list(supervision.actions.all())
    manages = may_supervise(user, supervision.case)
    for action in actions:
        action.supervision = supervision  # for may_mark_done, without a query per action
        action.can_mark_done = action.done_at is None and may_mark_done(user, action, manages=manages)
    can_reflect = supervision.practitioner_id == user.pk
    context = {
        "case": supervision.case,
        "supervision": supervision,
        "actions": actions,
        "can_reflect": can_reflect,
        "reflection_form": reflection_form or (SupervisionReflectionForm() if can_reflect else None),
    }
    return render(request, "pathways/supervision.html", context, status=status)


@login_required
@require_safe
def supervision_page(request, pk: int):
    return _detail_page(request, supervision_for_user(request.user, pk))


@login_required
@require_POST
def supervision_reflect(request, pk: int):
    supervision = supervision_for_user(request.user, pk, "reflect")
    form = SupervisionReflectionForm(request.POST)
    if form.is_valid():
        try:
            services.supervision_reflect(
                supervision=supervision, by=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Your reflection is added.")
            return redirect("pathways:supervision", pk=supervision.pk)
    return _detail_page(request, supervision, reflection_form=form, status=400)


@login_required
@require_POST
def supervision_action_done(request, pk: int):
    action = supervision_action_for_user(request.user, pk)
    try:
        services.supervision_action_done(
            action=action, by=request.user, expected_version=request.POST.get("version") or None
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Action marked done.")
    return redirect("pathways:supervision", pk=action.supervision_id)


@login_required
@require_safe
def supervisions_overdue(request):
    """A manager's teams' cases overdue for supervision (every team's, for those who read the
    managers' dashboards across teams)."""
    user = request.user
    if user.has_perm("pathways.record_supervision"):
        teams = selectors.supervision_teams(user)
    elif user.has_perm("returns.view_dashboard"):
        teams = Team.objects.all()
    else:
        raise PermissionDenied("The cases overdue for supervision are for managers.")
    cases = selectors.cases_overdue_for_supervision(user, teams=teams)
    context = {
        "cases": cases[:200],
        "total": cases.count(),
        "weeks_by_pathway": sorted(getattr(settings, "SUPERVISION_WEEKS", {}).items()),
    }
    return render(request, "pathways/supervisions_overdue.html", context)
