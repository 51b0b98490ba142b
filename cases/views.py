"""Pages for people, families and cases. Thin: permissions.py decides access, selectors.py reads,
services.py writes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases import selectors, services
from cases.choices import RecordType
from cases.filters import CaseFilter
from cases.forms import (
    CaseAllocateForm,
    CaseCloseForm,
    ChronologyEntryForm,
    InvolvementForm,
    PersonDetailsForm,
    PersonMergeForm,
    PersonSearchForm,
)
from cases.models import Involvement, Person
from cases.panels import case_page
from cases.permissions import (
    can,
    case_for_user,
    families_visible_to,
    family_for_user,
    may_restrict,
    people_visible_to,
    person_for_user,
    require_create,
    sees_whole_record,
)
from config.forms import form_add_service_errors


@login_required
@require_safe
def case_list(request):
    filterset = CaseFilter(request.GET, queryset=selectors.case_list(request.user))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


# A family's chronology runs to thousands of entries: the case page shows the newest 50, the family
# page all of them a page of 50 at a time (newest first, so its page 2 follows the case page's).
CHRONOLOGY_PAGE = 50


def _case_page(
    request, case, *, entry_form=None, allocate_form=None, close_form=None, involve_form=None, status=200
):
    user = request.user
    members = list(selectors.family_members(case.family, user))
    whole_record = sees_whole_record(user)
    # The newest page of the family's chronology; older entries are on the family page's next pages.
    chronology = list(selectors.family_chronology(user, case.family)[: CHRONOLOGY_PAGE + 1])
    context = {
        "panels": case_page.panels(user=user, case=case),
        "case": case,
        "members": members,
        "allocations": selectors.case_allocations(case),
        "chronology": chronology[:CHRONOLOGY_PAGE],
        "chronology_older": len(chronology) > CHRONOLOGY_PAGE,
        "can_add_entry": can(user, "add_chronology", case),
        "can_allocate": can(user, "allocate", case) and case.is_open,
        "can_close": can(user, "close", case) and case.is_open,
        "can_involve": can(user, "involve", case),
        "whole_record": whole_record,
        **_restriction_context(user, RecordType.FAMILY, case.family_id),
        "involvements": selectors.family_involvements(case.family),
        "involve_form": involve_form or InvolvementForm(family=case.family),
        "entry_form": entry_form or ChronologyEntryForm(members=[m for m in members if not m.is_restricted]),
        "allocate_form": allocate_form or CaseAllocateForm(initial={"version": case.version}),
        "close_form": close_form or CaseCloseForm(initial={"version": case.version}),
    }
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@require_safe
def case_detail(request, pk: int):
    return _case_page(request, case_for_user(request.user, pk))


@login_required
@require_POST
def case_chronology_add(request, pk: int):
    case = case_for_user(request.user, pk, "add_chronology")
    members = selectors.family_members_open_to(case.family, request.user)
    form = ChronologyEntryForm(request.POST, members=members)
    if form.is_valid():
        data = form.cleaned_data
        subject = Person.objects.filter(pk=data["subject"]).first() if data["subject"] else None
        try:
            services.chronology_entry_add(
                family=case.family,
                case=case,
                by=request.user,
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                summary=data["summary"],
                detail=data["detail"],
                subject=subject,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Added to the chronology.")
            return redirect("cases:case-detail", pk=case.pk)
    return _case_page(request, case, entry_form=form, status=400)


@login_required
@require_POST
def case_allocate(request, pk: int):
    case = case_for_user(request.user, pk, "allocate")
    form = CaseAllocateForm(request.POST)
    if form.is_valid():
        try:
            services.case_allocate(
                case=case,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['user']} is now allocated to the case.")
            return redirect("cases:case-detail", pk=case.pk)
    return _case_page(request, case, allocate_form=form, status=400)


@login_required
@require_POST
def case_close(request, pk: int):
    case = case_for_user(request.user, pk, "close")
    form = CaseCloseForm(request.POST)
    if form.is_valid():
        try:
            services.case_close(
                case=case,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Case {case.reference} is closed.")
            return redirect("cases:case-detail", pk=case.pk)
    return _case_page(request, case, close_form=form, status=400)


@login_required
@require_POST
def case_involvement_add(request, pk: int):
    case = case_for_user(request.user, pk, "involve")
    form = InvolvementForm(request.POST, family=case.family)
    if form.is_valid():
        try:
            services.involvement_add(family=case.family, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"{form.cleaned_data['user']} can now see and add to this family's record."
            )
            return redirect("cases:case-detail", pk=case.pk)
    return _case_page(request, case, involve_form=form, status=400)


@login_required
@require_POST
def case_involvement_end(request, pk: int, involvement_pk: int):
    case = case_for_user(request.user, pk, "involve")
    involvement = Involvement.objects.filter(family=case.family, pk=involvement_pk).first()
    if involvement is None:
        raise Http404("No such involvement.")
    try:
        services.involvement_end(involvement=involvement, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{involvement.user} is no longer involved with the family.")
    return redirect("cases:case-detail", pk=case.pk)


@login_required
@require_safe
def family_detail(request, pk: int):
    """The whole family: members and how they are related, its cases past and present, and its
    chronology. Whoever may see the family's cases may see it (the read is logged); others get 404."""
    user = request.user
    family = family_for_user(user, pk)
    members = list(selectors.family_members(family, user))
    chronology = Paginator(selectors.family_chronology(user, family), CHRONOLOGY_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "family": family,
        "members": members,
        "relationships": selectors.family_relationships(family, user),
        "cases": selectors.family_cases(user, family),
        "involvements": selectors.family_involvements(family),
        "chronology": chronology,
        **_restriction_context(user, RecordType.FAMILY, family.pk),
    }
    return render(request, "cases/family_detail.html", context)


@login_required
@require_http_methods(["GET"])
def person_search(request):
    form = PersonSearchForm(request.GET or None)
    results = None
    if form.is_valid():
        results = list(selectors.person_search(request.user, selectors.PersonSearch(**form.cleaned_data)))
    return render(request, "cases/person_search.html", {"form": form, "results": results})


def _restriction_context(user, record_type: str, record_id: int) -> dict:
    """The restricted-record banner, and the manager's link to restrict the record."""
    if record_type == RecordType.FAMILY:
        restrictions = selectors.restrictions_on(family_id=record_id)
    else:
        restrictions = selectors.restrictions_on(person_id=record_id)
    direct = any(r.record_type == record_type and r.record_id == record_id for r in restrictions)
    return {
        "restrictions": restrictions,
        "can_restrict": may_restrict(user) and not direct,
        "restrict_url": reverse("audit:restriction-new", args=[record_type, record_id]),
    }


@login_required
def person_detail(request, pk: int, *, merge_form=None, details_form=None, status=200):
    person = person_for_user(request.user, pk)
    if person.merged_into_id:
        messages.info(
            request,
            f"That record was merged into this one on {person.merged_at:%d %B %Y}: {person.merge_reason}",
        )
        return redirect("cases:person-detail", pk=person.merged_into_id)
    families = families_visible_to(request.user).filter(memberships__person=person)
    context = {
        "person": person,
        "addresses": person.addresses.all(),
        "memberships": person.memberships.filter(family__in=families).select_related("family"),
        "cases": selectors.case_list(request.user).filter(family__in=families),
        "merged_duplicates": person.merged_duplicates.select_related("merged_by"),
        **_restriction_context(request.user, RecordType.PERSON, person.pk),
    }
    if can(request.user, "change_person") and person.is_child:
        context["details_form"] = details_form or PersonDetailsForm.for_person(person)
    if can(request.user, "merge_people"):
        candidates = selectors.possible_duplicates(request.user, person)
        context["merge_form"] = merge_form or PersonMergeForm(
            candidates=candidates, initial={"version": person.version}
        )
        context["duplicate_candidates"] = candidates
    return render(request, "cases/person_detail.html", context, status=status)


@login_required
@require_POST
def person_details(request, pk: int):
    """Record what the statutory returns need of a child: sex, ethnicity, disabilities, UPNs."""
    person = person_for_user(request.user, pk)
    require_create(request.user, "change_person")
    form = PersonDetailsForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.person_details_record(
                person=person, by=request.user, expected_version=data.pop("version"), **data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Details for the statutory returns saved.")
            return redirect("cases:person-detail", pk=person.pk)
    return person_detail(request, pk, details_form=form, status=400)


@login_required
@require_POST
def person_merge(request, pk: int):
    """A manager merges a duplicate record into this one, with the reason."""
    keep = person_for_user(request.user, pk)
    require_create(request.user, "merge_people")
    form = PersonMergeForm(request.POST, candidates=selectors.possible_duplicates(request.user, keep))
    if form.is_valid():
        duplicate = people_visible_to(request.user).filter(pk=form.cleaned_data["duplicate"]).first()
        if duplicate is None:
            form.add_error("duplicate", "There is no record with that number.")
        else:
            try:
                services.person_merge(
                    duplicate=duplicate,
                    keep=keep,
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, f"Record P{duplicate.pk} merged into this record.")
                return redirect("cases:person-detail", pk=keep.pk)
    return person_detail(request, pk, merge_form=form, status=400)
