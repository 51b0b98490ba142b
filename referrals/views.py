"""Front-door pages: making a request (professionals, and families themselves), the triage
queue, and a contact with its match candidates."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments.models import ThresholdDocument
from assessments.services import threshold_document_current
from cases.matching import MatchQuery, person_candidates
from cases.permissions import people_visible_to
from config.forms import form_add_service_errors
from referrals import selectors, services
from referrals.choices import Channel, ContactState, FamilyConsent, SubjectRole
from referrals.forms import (
    FamilyRequestForm,
    FeedbackForm,
    PhoneContactForm,
    RequestForm,
    TriageForm,
    subject_formset,
)
from referrals.letters import render_letter_pdf
from referrals.models import ContactSubject
from referrals.permissions import (
    contact_for_user,
    contacts_visible_to,
    is_triager,
    letter_for_user,
    may_disagree,
    may_read_letter,
    may_submit,
    require_linked_people_open,
    require_triager,
    sees_front_door_record,
)

logger = logging.getLogger(__name__)


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


# What the professional form and a recorded phone call both ask, as the service names it.
REQUEST_FIELDS = (
    "referrer_role",
    "referrer_phone",
    "address_line_1",
    "postcode",
    "concerns",
    "what_tried",
    "family_aware",
    "family_consents",
    "consent_notes",
    "urgency",
)


def _request_page(request, form, *, channel, referrer, done, phone=False):
    """The request form (a professional's, or a phone call recorded by the front door): receive
    it, or show it again with the errors and everything typed."""
    formset = subject_formset(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                contact = services.contact_receive(
                    channel=channel,
                    by=request.user,
                    indicators=form.cleaned_indicators(),
                    subjects=_subjects(formset),
                    idempotency_key=data["idempotency_key"],
                    **{field: data[field] for field in REQUEST_FIELDS},
                    **referrer(data),
                )
            except ValidationError as exc:
                _show_subject_errors(form, formset, exc)
            else:
                messages.success(request, done(contact))
                return redirect("referrals:contact", pk=contact.pk)
    context = {"form": form, "formset": formset, "phone": phone}
    return render(request, "referrals/request_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    if not may_submit(request.user):
        raise PermissionDenied("Your role cannot make requests for support.")
    document = _document()
    return _request_page(
        request,
        RequestForm(request.POST or None, document=document),
        channel=Channel.PROFESSIONAL,
        referrer=lambda data: {
            "referrer_name": request.user.get_full_name() or request.user.username,
            "referrer_email": request.user.email,
        },
        done=lambda contact: f"Request received. Your reference is {contact.reference}.",
    )


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
                context = {"contact": contact, "promised_by": selectors.contact_promised_by(contact)}
                return render(request, "referrals/help_done.html", context | _help_context())
        context = {"form": form, "formset": formset} | _help_context()
        return render(request, "referrals/help_form.html", context, status=400)
    return render(request, "referrals/help_form.html", {"form": form, "formset": formset} | _help_context())


def _help_context() -> dict:
    return {"help": selectors.help_contact_details()}


@require_safe
def help_privacy(request):
    """Open to anyone: how the council uses what a family tells it."""
    return render(request, "referrals/help_privacy.html", _help_context())


@login_required
@require_safe
def my_requests(request):
    contacts = (
        contacts_visible_to(request.user)
        .filter(submitted_by=request.user)
        .with_due_times()
        .prefetch_related("subjects")
    )
    return render(request, "referrals/my_requests.html", {"contacts": contacts})


@login_required
def queue(request):
    require_triager(request.user)
    page = Paginator(selectors.triage_queue(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "referrals/queue.html", {"contacts": page.object_list, "page": page})


@login_required
@require_POST
def subject_unlink(request, pk: int, subject_pk: int):
    contact = contact_for_user(request.user, pk, "triage")
    subject = contact.subjects.filter(pk=subject_pk).first()
    if subject is None:
        raise Http404("No such person on this contact.")
    try:
        services.contact_subject_unlink(subject=subject, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Unlinked: choose the right record or make a new one.")
    return redirect("referrals:contact", pk=contact.pk)


def _triage_form(contact, user, data=None):
    families = services.contact_families(contact, user)
    return TriageForm(data, families=families, initial={"version": contact.version})


@login_required
def contact_detail(request, pk: int, *, triage_form=None, feedback_form=None, status=200):
    contact = contact_for_user(request.user, pk)
    # Read once: the matching, the restriction check, the background and the triage form use them.
    prefetch_related_objects(
        [contact], Prefetch("subjects", queryset=ContactSubject.objects.select_related("person"))
    )
    triager = is_triager(request.user)
    subjects = []
    for subject in contact.subjects.all():
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
    staff = sees_front_door_record(request.user)
    if staff:
        require_linked_people_open(request.user, contact)
    can_triage = triager and contact.state == ContactState.RECEIVED
    can_send = triager and services.letter_is_ready(contact) is None and not contact.feedback_sent
    context = {
        "contact": contact,
        "subjects": subjects,
        "triager": triager,
        "background": selectors.contact_background(request.user, contact) if staff else None,
        "staff": staff,
        "events": contact.events.select_related("by")
        if staff
        else contact.events.filter(shown_to_referrer=True).select_related("by"),
        "triage_form": (triage_form or _triage_form(contact, request.user)) if can_triage else None,
        "feedback_form": (feedback_form or FeedbackForm(initial={"version": contact.version}))
        if can_send
        else None,
        "may_read_letter": may_read_letter(request.user, contact),
        "may_disagree": may_disagree(request.user, contact),
        "disagreements": contact.disagreements.select_related("raised_by") if triager else [],
    }
    return render(request, "referrals/contact.html", context, status=status)


@login_required
@require_POST
def contact_triage(request, pk: int):
    contact = contact_for_user(request.user, pk, "triage")
    form = _triage_form(contact, request.user, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        details = services.TriageDetails(
            outcome=data["outcome"],
            rationale=data["rationale"],
            feedback_text=data["feedback_text"],
            advice=data["advice"],
            team=data["team"],
            family=data["family"],
            ecpp=data["ecpp"],
            lawful_basis=data["lawful_basis"],
            referral_source=data["referral_source"],
            primary_need=data["primary_need"],
            late_reason=data["late_reason"],
        )
        try:
            contact = services.contact_triage(
                contact=contact, by=request.user, details=details, expected_version=data["version"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{contact.reference}: {contact.get_state_display().lower()}.")
            return redirect("referrals:contact", pk=contact.pk)
    return contact_detail(request, pk, triage_form=form, status=400)


@login_required
@require_POST
def feedback_send(request, pk: int):
    contact = contact_for_user(request.user, pk, "triage")
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.contact_feedback_send(
                contact=contact,
                by=request.user,
                method=form.cleaned_data["method"],
                late_reason=form.cleaned_data["late_reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "The outcome letter is recorded as sent to the referrer.")
            return redirect("referrals:contact", pk=contact.pk)
    return contact_detail(request, pk, feedback_form=form, status=400)


@login_required
@require_safe
def letter(request, pk: int):
    contact = letter_for_user(request.user, pk)
    context = selectors.letter_context(contact) | {"may_disagree": may_disagree(request.user, contact)}
    return render(request, "referrals/letter.html", context)


@login_required
@require_safe
def letter_pdf(request, pk: int):
    contact = letter_for_user(request.user, pk)
    try:
        pdf = render_letter_pdf(contact)
    except Exception as exc:  # a broken font or library must not lose the page: the HTML letter stands
        logger.error("outcome letter PDF for contact %s failed: %s", contact.pk, type(exc).__name__)
        messages.error(request, "The PDF could not be made just now: the letter below is the same.")
        return redirect("referrals:letter", pk=contact.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="outcome-{contact.reference}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def phone_contact(request):
    """Front-door staff record a phone call as a contact."""
    require_triager(request.user)
    return _request_page(
        request,
        PhoneContactForm(request.POST or None, document=_document()),
        channel=Channel.PHONE,
        referrer=lambda data: {
            "referrer_name": data["referrer_name"],
            "referrer_agency": data["referrer_agency"],
            "referrer_email": data["referrer_email"],
        },
        done=lambda contact: f"Phone contact recorded as {contact.reference}.",
        phone=True,
    )


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
        return redirect("referrals:contact", pk=contact.pk)
    else:
        messages.success(request, "Linked.")
    return redirect("referrals:contact", pk=contact.pk)
