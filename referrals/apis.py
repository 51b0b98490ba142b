"""REST API for the front door: send a request for support, read your contacts, and (front-door
staff) see candidates and link who a contact is about."""

from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.choices import AgencyKind
from accounts.models import Agency, Team, User
from assessments.models import ThresholdIndicator
from cases.matching import MatchQuery, person_candidates
from cases.models import Family
from cases.permissions import people_visible_to
from config.api import OutputSerializer
from config.limits import LONG_TEXT
from pathways.codes import PrimaryNeed, ReferralSource
from referrals import selectors, services
from referrals.choices import Channel, FamilyConsent, FeedbackMethod, SubjectRole, TriageOutcome, Urgency
from referrals.models import Contact, ContactSubject
from referrals.permissions import (
    contact_for_user,
    contacts_visible_to,
    letter_for_user,
    may_submit,
    require_triager,
    sees_front_door_record,
)


class SubjectInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=SubjectRole.choices)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    expected_date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    relationship = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    nhs_number = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")


class ContactInput(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=[(Channel.PROFESSIONAL, "Professional"), (Channel.PHONE, "Phone"), (Channel.API, "API")],
        default=Channel.API,
    )
    referrer_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    referrer_role = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    referrer_agency_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Phone contacts: the caller's agency"
    )
    referrer_email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    referrer_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    address_line_1 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    concerns = serializers.CharField(
        max_length=LONG_TEXT,
    )
    what_tried = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    family_aware = serializers.BooleanField(required=False, default=False)
    family_consents = serializers.ChoiceField(choices=FamilyConsent.choices)
    consent_notes = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    indicator_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    subjects = SubjectInput(many=True)
    idempotency_key = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class ReferrerSubjectOutput(OutputSerializer):
    """Who a contact is about, as the referrer told us."""

    class Meta:
        model = ContactSubject
        fields = [
            "id",
            "role",
            "first_name",
            "last_name",
            "date_of_birth",
            "expected_date_of_birth",
            "relationship",
        ]


class SubjectOutput(ReferrerSubjectOutput):
    """The same, with the record the front door linked (front-door staff only)."""

    class Meta(ReferrerSubjectOutput.Meta):
        fields = [*ReferrerSubjectOutput.Meta.fields, "person"]


class ContactOutput(OutputSerializer):
    subjects = SubjectOutput(many=True)
    referrer_agency = serializers.StringRelatedField()
    decision_due = serializers.DateTimeField(
        allow_null=True, help_text="The contact decision clock's due time"
    )
    feedback_due = serializers.DateTimeField(allow_null=True, help_text="The feedback clock's due time")

    class Meta:
        model = Contact
        fields = [
            "id",
            "reference",
            "channel",
            "state",
            "urgency",
            "received_at",
            "decision_due",
            "feedback_due",
            "referrer_name",
            "referrer_role",
            "referrer_agency",
            "concerns",
            "what_tried",
            "family_aware",
            "family_consents",
            "consent_notes",
            "subjects",
            "version",
        ]


class ReferrerContactOutput(OutputSerializer):
    """A contact as its referrer sees it: their request and whether it has been decided; not the
    front door's working record (states, linked records)."""

    subjects = ReferrerSubjectOutput(many=True)
    referrer_agency = serializers.StringRelatedField()
    status = serializers.SerializerMethodField()
    feedback_due = serializers.DateTimeField(allow_null=True, help_text="When you will hear the outcome")

    class Meta:
        model = Contact
        fields = [
            "id",
            "reference",
            "channel",
            "status",
            "urgency",
            "received_at",
            "feedback_due",
            "referrer_name",
            "referrer_role",
            "referrer_agency",
            "concerns",
            "what_tried",
            "family_aware",
            "family_consents",
            "consent_notes",
            "subjects",
        ]

    def get_status(self, contact) -> str:
        return "decided: read the letter" if contact.feedback_sent else "being looked at"


class LinkInput(serializers.Serializer):
    person_id = serializers.IntegerField(
        allow_null=True, help_text="An existing person, or null for a new record"
    )


class TriageInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=TriageOutcome.choices)
    rationale = serializers.CharField(
        max_length=LONG_TEXT,
    )
    feedback_text = serializers.CharField(
        max_length=LONG_TEXT, help_text="The reasons as the referrer will read them"
    )
    advice = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    team_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    family_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    ecpp_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    lawful_basis = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    referral_source = serializers.ChoiceField(
        choices=ReferralSource.choices, required=False, allow_blank=True, default=""
    )
    primary_need = serializers.ChoiceField(
        choices=PrimaryNeed.choices, required=False, allow_blank=True, default=""
    )
    late_reason = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(help_text="The contact's version you read")


class TriageOutput(ContactOutput):
    class Meta(ContactOutput.Meta):
        fields = [
            *ContactOutput.Meta.fields,
            "outcome",
            "rationale",
            "advice",
            "feedback_text",
            "triaged_at",
            "family",
            "case",
            "decision",
            "feedback_sent_at",
            "feedback_method",
            "version",
        ]


class FeedbackInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=FeedbackMethod.choices)
    late_reason = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    version = serializers.IntegerField()


class LetterOutput(serializers.Serializer):
    reference = serializers.CharField()
    outcome = serializers.CharField()
    outcome_in_plain_words = serializers.CharField()
    reasons = serializers.CharField()
    advice = serializers.CharField()
    decided_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


def _pick(queryset, pk, field: str, message: str):
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError({field: [message]})
    return found


# The front door sees its working record of a contact; a referrer sees their request and its outcome.
CONTACT_ANSWER = PolymorphicProxySerializer(
    component_name="ContactAnswer",
    serializers=[ContactOutput, ReferrerContactOutput],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(
        summary="Contacts you may see (front door: all; others: those you sent)",
        responses=PolymorphicProxySerializer(
            component_name="ContactAnswer",
            serializers=[ContactOutput, ReferrerContactOutput],
            resource_type_field_name=None,
            many=True,
        ),
    ),
    retrieve=extend_schema(summary="One contact", responses=CONTACT_ANSWER),
    create=extend_schema(
        summary="Send a request for support; a retry with the same Idempotency-Key makes no second contact",
        request=ContactInput,
        responses={201: CONTACT_ANSWER},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False)
        ],
    ),
)
class ContactViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = ContactOutput

    def get_serializer_class(self):
        return ContactOutput if sees_front_door_record(self.request.user) else ReferrerContactOutput

    def get_queryset(self):
        return (
            contacts_visible_to(self.request.user)
            .with_due_times()
            .prefetch_related("subjects")
            .select_related("referrer_agency")
        )

    def get_object(self):
        return contact_for_user(self.request.user, self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        if not may_submit(request.user):
            raise PermissionDenied("Your role cannot send requests for support.")
        data = ContactInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        indicator_ids = values.pop("indicator_ids")
        indicators = list(ThresholdIndicator.objects.filter(pk__in=indicator_ids))
        if len(indicators) != len(set(indicator_ids)):
            raise serializers.ValidationError({"indicator_ids": ["Some of these indicators do not exist."]})
        key = request.headers.get("Idempotency-Key", "") or values.pop("idempotency_key")
        values.pop("idempotency_key", None)
        subjects = [services.SubjectDetails(**subject) for subject in values.pop("subjects")]
        agency_id = values.pop("referrer_agency_id")
        if values["channel"] == Channel.PHONE:
            # Front-door staff recording someone else's call: who rang, not who typed it.
            require_triager(request.user)
            if not values["referrer_name"].strip():
                raise serializers.ValidationError({"referrer_name": ["Record who rang."]})
            values["referrer_agency"] = _pick(
                Agency.objects.all(), agency_id, "referrer_agency_id", "No such agency."
            )
        elif agency_id is not None:
            raise serializers.ValidationError(
                {"referrer_agency_id": ["Only a phone contact names another agency: yours is used."]}
            )
        values["referrer_name"] = (
            values["referrer_name"] or request.user.get_full_name() or request.user.username
        )
        contact = services.contact_receive(
            by=request.user,
            subjects=subjects,
            indicators=indicators,
            idempotency_key=key[:64] or None,
            **values,
        )
        return Response(self.get_serializer_class()(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Contacts waiting for triage, in queue order (front door only)",
        responses=ContactOutput(many=True),
    )
    @action(detail=False, methods=["get"])
    def queue(self, request):
        require_triager(request.user)
        page = self.paginate_queryset(selectors.triage_queue(request.user))
        return self.get_paginated_response(ContactOutput(page, many=True).data)

    @extend_schema(
        summary="Possible matches for each person the contact is about, with reasons (front door only)"
    )
    @action(detail=True, methods=["get"])
    def candidates(self, request, pk=None):
        contact = contact_for_user(request.user, pk, "triage")
        result = []
        for subject in contact.subjects.all():
            query = MatchQuery(
                first_name=subject.first_name,
                last_name=subject.last_name,
                date_of_birth=subject.date_of_birth,
                postcode=contact.postcode,
                nhs_number=subject.nhs_number,
            )
            candidates = person_candidates(request.user, query, limit=5)
            result.append(
                {
                    "subject": subject.pk,
                    "candidates": [
                        {
                            "person": c.person.pk,
                            "name": None if c.restricted else c.person.display_name,
                            "score": None if c.restricted else c.score,
                            "reasons": c.reasons,
                            "restricted": c.restricted,
                        }
                        for c in candidates
                    ],
                }
            )
        return Response(result)

    @extend_schema(
        summary="Undo a wrong link before triage (front door only)", request=None, responses=SubjectOutput
    )
    @action(detail=True, methods=["post"], url_path=r"subjects/(?P<subject_pk>\d+)/unlink")
    def unlink(self, request, pk=None, subject_pk=None):
        contact = contact_for_user(request.user, pk, "triage")
        subject = contact.subjects.filter(pk=subject_pk).first()
        if subject is None:
            raise serializers.ValidationError({"subject": ["No such person on this contact."]})
        return Response(SubjectOutput(services.contact_subject_unlink(subject=subject, by=request.user)).data)

    @extend_schema(
        summary="Link who the contact is about to a person, or to a new record",
        request=LinkInput,
        responses=SubjectOutput,
    )
    @action(detail=True, methods=["post"], url_path=r"subjects/(?P<subject_pk>\d+)/link")
    def link(self, request, pk=None, subject_pk=None):
        contact = contact_for_user(request.user, pk, "triage")
        subject = contact.subjects.filter(pk=subject_pk).first()
        if subject is None:
            raise serializers.ValidationError({"subject": ["No such person on this contact."]})
        data = LinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        person = None
        if data.validated_data["person_id"] is not None:
            person = people_visible_to(request.user).filter(pk=data.validated_data["person_id"]).first()
            if person is None:
                raise serializers.ValidationError({"person_id": ["No such person."]})
        subject = services.contact_subject_link(subject=subject, person=person, by=request.user)
        return Response(SubjectOutput(subject).data)

    @extend_schema(
        summary="Record the triage decision (front door only); pathway 4 goes to the named ECPP to confirm",
        request=TriageInput,
        responses=TriageOutput,
    )
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        contact = contact_for_user(request.user, pk, "triage")
        data = TriageInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        details = services.TriageDetails(
            outcome=values["outcome"],
            rationale=values["rationale"],
            feedback_text=values["feedback_text"],
            advice=values["advice"],
            team=_pick(
                Team.objects.filter(agency__kind=AgencyKind.LA_CHILDRENS_SERVICES),
                values["team_id"],
                "team_id",
                "No such children's services team.",
            ),
            family=_pick(
                Family.objects.filter(
                    pk__in=[f.pk for f in services.contact_families(contact, request.user)]
                ),
                values["family_id"],
                "family_id",
                "Choose one of the families these people belong to.",
            ),
            ecpp=_pick(User.objects.filter(is_active=True), values["ecpp_id"], "ecpp_id", "No such user."),
            lawful_basis=values["lawful_basis"],
            referral_source=values["referral_source"],
            primary_need=values["primary_need"],
            late_reason=values["late_reason"],
        )
        contact = services.contact_triage(
            contact=contact, by=request.user, details=details, expected_version=values["version"]
        )
        return Response(TriageOutput(contact).data)

    @extend_schema(summary="Record the outcome letter as sent (front door only)", request=FeedbackInput)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        contact = contact_for_user(request.user, pk, "triage")
        data = FeedbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_feedback_send(
            contact=contact,
            by=request.user,
            method=data.validated_data["method"],
            late_reason=data.validated_data["late_reason"],
            expected_version=data.validated_data["version"],
        )
        return Response(TriageOutput(contact).data)

    @extend_schema(summary="The outcome letter: the front door, or the referrer once it was sent")
    @action(detail=True, methods=["get"], serializer_class=LetterOutput)
    def letter(self, request, pk=None):
        contact = letter_for_user(request.user, pk)
        return Response(
            LetterOutput(
                {
                    "reference": contact.reference,
                    "outcome": contact.outcome,
                    "outcome_in_plain_words": selectors.outcome_in_plain_words(contact),
                    "reasons": contact.feedback_text,
                    "advice": contact.advice,
                    "decided_at": contact.triaged_at,
                    "sent_at": contact.feedback_sent_at,
                }
            ).data
        )
