"""The family's assessment page: the current picture, each section's history, and adding to it."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import selectors, services
from assessments.charts import scale_chart
from assessments.choices import Section
from assessments.forms import ContributionForm, ConversationForm
from assessments.models import Assessment, Contribution, ThresholdDocument
from assessments.panels import assessment_page
from assessments.permissions import assessment_family_for_user, can_contribute, restrict_to_viewer
from cases.models import Person
from cases.permissions import sees_whole_record
from cases.selectors import family_members_open_to
from config.forms import form_add_service_errors


def _document():
    try:
        return services.threshold_document_current()
    except ThresholdDocument.DoesNotExist:
        return None


def _page(request, family, *, form=None, status=200):
    assessment = Assessment.objects.filter(family=family).first()
    members = family_members_open_to(family, request.user)
    viewer = request.user
    picture = selectors.assessment_picture(assessment, viewer) if assessment else []
    # The picture holds every current contribution: the summary reads them from it, not again.
    current = [
        contribution for _, sections in picture for section in sections for contribution in section.current
    ]
    document = _document()
    voice = next(
        (part for _, sections in picture for part in sections if part.section == Section.VOICE_OF_CHILD), None
    )
    series = selectors.scaling_series(assessment, viewer)
    context = {
        "family": family,
        "assessment": assessment,
        "picture": picture,
        "child_voices": selectors.child_voices(voice.current if voice else [], members),
        "voice_corrected": voice.corrected if voice else 0,
        "scale_series": series,
        "scale_chart": scale_chart(series),
        "summary": selectors.indicator_summary(current),
        "open_case": family.cases.filter(state="open").first(),
        "can_contribute": can_contribute(request.user),
        "form": form or ContributionForm(members=members, document=document),
        "threshold_missing": document is None,
        "partial_view": not sees_whole_record(request.user),
        "panels": assessment_page.panels(user=request.user, family=family),
    }
    return render(request, "assessments/assessment.html", context, status=status)


@login_required
@require_safe
def assessment_detail(request, family_pk: int):
    family = assessment_family_for_user(request.user, family_pk)
    form = None
    correcting = request.GET.get("correct", "")
    if re.fullmatch(r"[0-9]{1,18}", correcting):
        visible = restrict_to_viewer(request.user, Contribution.objects.filter(assessment__family=family))
        earlier = visible.filter(pk=correcting).first()
        if earlier:
            initial = {
                "section": earlier.section,
                "text": earlier.text,
                "scale": earlier.scale,
                "scaled_by": earlier.scaled_by,
                "scaled_by_person": str(earlier.scaled_by_person_id or ""),
                "gathered_by": "" if earlier.gathered_by == "not_recorded" else earlier.gathered_by,
                "child": str(earlier.child_id or ""),
                "indicators": [indicator.pk for indicator in earlier.indicators.all()],
                "supersedes": earlier.pk,
            }
            form = ContributionForm(
                initial=initial, members=family_members_open_to(family, request.user), document=_document()
            )
    return _page(request, family, form=form)


@login_required
@require_safe
def section_history(request, family_pk: int, section: str):
    family = assessment_family_for_user(request.user, family_pk)
    if section not in Section.values:
        raise Http404("No such part of the assessment.")
    assessment = Assessment.objects.filter(family=family).first()
    history = selectors.section_history(assessment, section, request.user) if assessment else []
    return render(
        request,
        "assessments/section_history.html",
        {"family": family, "section": Section(section), "history": history},
    )


def _member(members, person_id: str) -> Person | None:
    """The family member the form chose (its choices are the members the user may name)."""
    return next((m.person for m in members if str(m.person_id) == person_id), None) if person_id else None


@login_required
@require_POST
def contribution_add(request, family_pk: int):
    family = assessment_family_for_user(request.user, family_pk, "contribute")
    members = family_members_open_to(family, request.user)
    form = ContributionForm(request.POST, members=members, document=_document())
    if form.is_valid():
        data = form.cleaned_data
        assessment = Assessment.objects.filter(family=family).first()
        supersedes = None
        if data.get("supersedes"):
            visible = restrict_to_viewer(request.user, Contribution.objects.filter(assessment=assessment))
            supersedes = visible.filter(pk=data["supersedes"]).first()
            if supersedes is None:
                form.add_error(
                    None, "The entry you were correcting is not in this family's assessment: reload."
                )
                return _page(request, family, form=form, status=400)
        try:
            services.contribution_add(
                family=family,
                by=request.user,
                section=data["section"],
                text=data["text"],
                child=_member(members, data["child"]),
                scale=data["scale"],
                scaled_by=data["scaled_by"],
                scaled_by_person=_member(members, data["scaled_by_person"]),
                gathered_by=data["gathered_by"],
                indicators=form.cleaned_indicators(),
                supersedes=supersedes,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Added to the family's assessment.")
            return redirect("assessments:assessment", family_pk=family.pk)
    return _page(request, family, form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def conversation_add(request, family_pk: int):
    family = assessment_family_for_user(
        request.user, family_pk, "contribute" if request.method == "POST" else "view"
    )
    members = family_members_open_to(family, request.user)
    case = family.cases.filter(state="open").first()
    form = ConversationForm(request.POST or None, members=members)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            children = {m.person_id: m.person for m in members}
            drafts = []
            if data["section"]:
                drafts.append(
                    services.ContributionDraft(
                        section=data["section"],
                        text=data["contribution"],
                        child=children.get(data["contribution_child"]),
                        gathered_by=data["contribution_gathered_by"],
                    )
                )
            try:
                services.conversation_record(
                    family=family,
                    case=case,
                    by=request.user,
                    kind=data["kind"],
                    occurred_at=data["occurred_at"],
                    location=data["location"],
                    present=data["present"],
                    discussed=data["discussed"],
                    family_words=data["family_words"],
                    child_words=data["child_words"],
                    children_seen=[children[pk] for pk in data["children_seen"] if pk in children],
                    children_seen_alone=[
                        children[pk] for pk in data["children_seen_alone"] if pk in children
                    ],
                    contributions=drafts,
                )
            except ValidationError as exc:
                form_add_service_errors(form, _draft_errors_on_fields(exc))
            else:
                messages.success(request, "Conversation recorded in the chronology.")
                if case:
                    return redirect("cases:case-detail", pk=case.pk)
                return redirect("assessments:assessment", family_pk=family.pk)
        status = 400
    return render(
        request,
        "assessments/conversation_form.html",
        {"family": family, "case": case, "form": form},
        status=status,
    )


# The conversation form's one contribution: the service's errors about it, on the form's fields.
DRAFT_FIELDS = {
    "contributions.1.section": "section",
    "contributions.1.text": "contribution",
    "contributions.1.child": "contribution_child",
    "contributions.1.gathered_by": "contribution_gathered_by",
}


def _draft_errors_on_fields(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {DRAFT_FIELDS.get(field, field): messages for field, messages in error.message_dict.items()}
    )
