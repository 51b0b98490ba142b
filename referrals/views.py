"""Front-door pages: making a request (professionals, and families themselves), the triage
queue, and a contact with its match candidates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assessments.models import ThresholdDocument
from assessments.services import threshold_document_current
from cases.permissions import people_visible_to
from referrals import selectors, services
from referrals.choices import Channel, FamilyConsent, SubjectRole
from referrals.forms import FamilyRequestForm, RequestForm, subject_formset
from referrals.matching import MatchQuery, person_candidates
from referrals.permissions import (
    contact_for_user,
    contacts_visible_to,
    is_triager,
    may_submit,
    require_triager,
)


def _document():
    try:
        return threshold_document_current()
    except ThresholdDocument.DoesNotExist:
        return None


def _subjects(formset) -> list[services.SubjectDetails]:
    return [
        services.SubjectDetails(
            role=form.cleaned_data.get("role") or SubjectRole.CHILD,
            first_name=form.cleaned_data.get("first_name", ""),
            last_name=form.cleaned_data.get("last_name", ""),
            date_of_birth=form.cleaned_data.get("date_of_birth"),
            relationship=form.cleaned_data.get("relationship", ""),
        )
        for form in formset
    ]


def _show_subject_errors(form, formset, exc: ValidationError) -> None:
    """Service errors about subjects land on the right row; the rest on the form."""
    for field, messages_ in exc.message_dict.items():
        parts = field.split(".")
        if parts[0] == "subjects" and len(parts) == 3:
            row = int(parts[1]) - 1
            rows = [f for f in formset if not _blank(f)]
            target = rows[row] if row < len(rows) else None
            if target is not None and parts[2] in target.fields:
                for message in messages_:
                    target.add_error(parts[2], message)
                continue
        visible = field in form.fields and not form.fields[field].widget.is_hidden
        for message in messages_:
            form.add_error(field if visible else None, message)


def _blank(form) -> bool:
    data = getattr(form, "cleaned_data", {}) or {}
    return not (data.get("first_name") or data.get("last_name") or data.get("date_of_birth"))


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    if not may_submit(request.user):
        raise PermissionDenied("Your role cannot make requests for support.")
    document = _document()
    form = RequestForm(request.POST or None, document=document)
    formset = subject_formset(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                contact = services.contact_receive(
                    channel=Channel.PROFESSIONAL,
                    by=request.user,
                    referrer_name=request.user.get_full_name() or request.user.username,
                    referrer_email=request.user.email,
                    referrer_role=data["referrer_role"],
                    referrer_phone=data["referrer_phone"],
                    address_line_1=data["address_line_1"],
                    postcode=data["postcode"],
                    concerns=data["concerns"],
                    what_tried=data["what_tried"],
                    family_aware=data["family_aware"],
                    family_consents=data["family_consents"],
                    consent_notes=data["consent_notes"],
                    urgency=data["urgency"],
                    indicators=form.cleaned_indicators(),
                    subjects=_subjects(formset),
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as exc:
                _show_subject_errors(form, formset, exc)
            else:
                messages.success(request, f"Request received. Your reference is {contact.reference}.")
                return redirect("referrals:contact", pk=contact.pk)
        status = 400
    else:
        status = 200
    return render(request, "referrals/request_form.html", {"form": form, "formset": formset}, status=status)


@require_http_methods(["GET", "POST"])
def help_request(request):
    """Open to anyone: a family asking for help. No sign-in needed."""
    form = FamilyRequestForm(request.POST or None)
    formset = subject_formset(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                contact = services.contact_receive(
                    channel=Channel.FAMILY,
                    referrer_name=data["your_name"],
                    referrer_email=data["email"],
                    referrer_phone=data["phone"],
                    postcode=data["postcode"],
                    concerns=data["help_needed"],
                    family_aware=True,
                    family_consents=FamilyConsent.YES,
                    subjects=_subjects(formset),
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as exc:
                _show_subject_errors(form, formset, exc)
            else:
                return render(request, "referrals/help_done.html", {"contact": contact})
        return render(request, "referrals/help_form.html", {"form": form, "formset": formset}, status=400)
    return render(request, "referrals/help_form.html", {"form": form, "formset": formset})


@login_required
def my_requests(request):
    contacts = (
        contacts_visible_to(request.user).filter(submitted_by=request.user).prefetch_related("subjects")
    )
    return render(request, "referrals/my_requests.html", {"contacts": contacts})


@login_required
def queue(request):
    require_triager(request.user)
    return render(request, "referrals/queue.html", {"contacts": selectors.triage_queue(request.user)})


@login_required
def contact_detail(request, pk: int):
    contact = contact_for_user(request.user, pk)
    triager = is_triager(request.user)
    subjects = []
    for subject in contact.subjects.select_related("person"):
        candidates = []
        if triager and not subject.person_id:
            query = MatchQuery(
                first_name=subject.first_name,
                last_name=subject.last_name,
                date_of_birth=subject.date_of_birth,
                postcode=contact.postcode,
                nhs_number=subject.nhs_number,
            )
            candidates = person_candidates(request.user, query, limit=5)
        subjects.append((subject, candidates))
    context = {
        "contact": contact,
        "subjects": subjects,
        "triager": triager,
        "repeats": selectors.repeat_contacts(request.user, contact) if triager else [],
        "events": contact.events.select_related("by"),
    }
    return render(request, "referrals/contact.html", context)


@login_required
@require_POST
def subject_link(request, pk: int, subject_pk: int):
    contact = contact_for_user(request.user, pk, "triage")
    subject = contact.subjects.filter(pk=subject_pk).first()
    if subject is None:
        raise Http404("No such person on this contact.")
    choice = request.POST.get("person", "")
    person = None
    if choice != "new":
        person = (
            people_visible_to(request.user).filter(pk=choice).first()
            if choice.isascii() and choice.isdigit()
            else None
        )
        if person is None:
            messages.error(request, "Choose one of the people suggested, or make a new record.")
            return redirect("referrals:contact", pk=contact.pk)
    try:
        services.contact_subject_link(subject=subject, person=person, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Linked.")
    return redirect("referrals:contact", pk=contact.pk)
