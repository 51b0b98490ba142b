"""REST API for people, families, cases and the chronology (/api/v1/). Same permissions and
services as the pages: lists start from the user's visible queryset; unseen objects are 404."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Team, User
from cases import selectors, services
from cases.choices import (
    OPENING_PATHWAYS,
    PRACTITIONER_CHRONOLOGY_KINDS,
    AllocationRole,
    AskAgainAnswer,
    ClosureReason,
    Disability,
    Ethnicity,
    FamilyRole,
    FeedbackAnswer,
    RecordType,
    RelationshipKind,
    Sex,
    UpnUnknown,
)
from cases.filters import CaseFilter
from cases.forms import PersonSearchForm
from cases.models import (
    Case,
    ChronologyEntry,
    Family,
    FamilyFeedback,
    FeedbackInvitation,
    Involvement,
    Person,
)
from cases.permissions import (
    case_feedback_for_user,
    case_for_user,
    families_visible_to,
    family_for_user,
    people_behind_restrictions,
    people_visible_to,
    person_for_user,
    require_create,
)
from config.api import OutputSerializer
from config.limits import LONG_TEXT

# --- output shapes ---------------------------------------------------------------------------


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class AddressSerializer(serializers.Serializer):
    line_1 = serializers.CharField(max_length=200)
    line_2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    town = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=10)
    moved_in = serializers.DateField(required=False, allow_null=True, default=None)
    moved_out = serializers.DateField(read_only=True, allow_null=True)


class PersonOutput(OutputSerializer):
    """A person. In search results, a restricted person the user may not open is only
    {"id", "restricted": true, "request_access"}: POST a reason to /api/v1/break-glass/."""

    name = serializers.CharField(source="display_name")
    addresses = AddressSerializer(many=True)
    restricted = serializers.SerializerMethodField()

    def get_restricted(self, person) -> bool:
        return bool(getattr(person, "is_restricted", False))

    def to_representation(self, person):
        if getattr(person, "is_restricted", False):
            return {
                "id": person.pk,
                "restricted": True,
                "request_access": reverse("audit:break-glass", args=[RecordType.PERSON, person.pk]),
            }
        return super().to_representation(person)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "kind",
            "first_name",
            "middle_names",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "expected_date_of_birth",
            "sex",
            "ethnicity",
            "nhs_number",
            "upn",
            "former_upn",
            "upn_unknown_reason",
            "disabilities",
            "date_of_death",
            "addresses",
            "version",
            "merged_into",
            "restricted",
        ]


class PersonInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Person._meta.get_field("kind").choices)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    middle_names = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    preferred_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    expected_date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    sex = serializers.ChoiceField(choices=Person._meta.get_field("sex").choices, required=False, default="U")
    ethnicity = serializers.ChoiceField(
        choices=Person._meta.get_field("ethnicity").choices, required=False, default="NOBT"
    )
    nhs_number = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    upn = serializers.CharField(max_length=13, required=False, allow_blank=True, default="")
    address = AddressSerializer(required=False)


class FamilyMemberOutput(serializers.Serializer):
    """A member; one behind a restriction the user may not open is only
    {"person": {"id", "restricted": true}, "role"}."""

    person = PersonRefSerializer()
    role = serializers.CharField()
    lives_in_household = serializers.BooleanField()

    def to_representation(self, member):
        request = self.context.get("request")
        if request is not None:
            if "people_behind_restrictions" not in self.context:
                self.context["people_behind_restrictions"] = people_behind_restrictions(request.user)
            if member.person_id in self.context["people_behind_restrictions"]:
                return {"person": {"id": member.person_id, "restricted": True}, "role": member.role}
        return super().to_representation(member)


class FamilyOutput(OutputSerializer):
    members = FamilyMemberOutput(source="memberships", many=True)

    class Meta:
        model = Family
        fields = ["id", "name", "members", "created_at"]


class FamilyInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class FamilyMemberInput(serializers.Serializer):
    person_id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=FamilyRole.choices)
    lives_in_household = serializers.BooleanField(required=False, default=True)


class RelationshipInput(serializers.Serializer):
    person_id = serializers.IntegerField(help_text="The adult (or older sibling) the relationship is from")
    relative_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RelationshipKind.choices)
    has_parental_responsibility = serializers.BooleanField(required=False, default=False)


class InvolvementInput(serializers.Serializer):
    user_id = serializers.IntegerField()
    role_description = serializers.CharField(max_length=200)


class InvolvementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user = UserRefSerializer()
    agency = serializers.StringRelatedField()
    role_description = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


class CaseOutput(OutputSerializer):
    reference = serializers.CharField()
    family = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    key_worker = UserRefSerializer(allow_null=True)
    ecpp = UserRefSerializer(allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "family",
            "state",
            "pathway",
            "team",
            "key_worker",
            "ecpp",
            "opened_at",
            "closed_at",
            "closure_reason",
            "version",
        ]

    @extend_schema(
        responses=inline_serializer(
            "FamilyRef", {"id": serializers.IntegerField(), "name": serializers.CharField()}
        )
    )
    def get_family(self, case) -> dict:
        return {"id": case.family_id, "name": case.family.name}

    @extend_schema(
        responses=inline_serializer(
            "TeamRef", {"id": serializers.IntegerField(), "name": serializers.CharField()}
        )
    )
    def get_team(self, case) -> dict:
        return {"id": case.team_id, "name": case.team.name}


class CaseOpenInput(serializers.Serializer):
    family_id = serializers.IntegerField()
    team_id = serializers.IntegerField()
    pathway = serializers.ChoiceField(
        choices=OPENING_PATHWAYS,
        error_messages={"invalid_choice": services.OPENS_AT_1_OR_2},
        help_text="1 or 2: a case reaches pathway 3 or 4 only through a decision on the case",
    )


class CaseAllocateInput(serializers.Serializer):
    user_id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=AllocationRole.choices)
    version = serializers.IntegerField(help_text="The case version you last saw; a stale one is refused")


class CaseCloseInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ClosureReason.choices)
    note = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(help_text="The case version you last saw; a stale one is refused")


class ChronologyOutput(OutputSerializer):
    author = UserRefSerializer()
    author_agency = serializers.StringRelatedField()
    subject = PersonRefSerializer(allow_null=True)

    class Meta:
        model = ChronologyEntry
        fields = [
            "id",
            "kind",
            "occurred_at",
            "recorded_at",
            "summary",
            "detail",
            "subject",
            "case",
            "author",
            "author_agency",
        ]


class RelationshipOutput(serializers.Serializer):
    """How one member relates to another; one with either end behind a restriction closed to the
    user is only {"restricted": true}."""

    person = PersonRefSerializer()
    relative = PersonRefSerializer()
    kind = serializers.CharField()
    has_parental_responsibility = serializers.BooleanField()

    def to_representation(self, relationship):
        if getattr(relationship, "person_restricted", False) or getattr(
            relationship, "relative_restricted", False
        ):
            return {"restricted": True}
        return super().to_representation(relationship)


class FamilyDetailOutput(FamilyOutput):
    """The whole family: members, relationships, the cases past and present the user may see, and
    where its chronology is (paged: GET /api/v1/families/{id}/chronology/)."""

    relationships = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField()
    chronology = serializers.SerializerMethodField()

    class Meta(FamilyOutput.Meta):
        fields = [*FamilyOutput.Meta.fields, "relationships", "cases", "chronology"]

    @extend_schema_field(RelationshipOutput(many=True))
    def get_relationships(self, family) -> list:
        rows = selectors.family_relationships(family, self.context["request"].user)
        return RelationshipOutput(rows, many=True).data

    @extend_schema_field(CaseOutput(many=True))
    def get_cases(self, family) -> list:
        return CaseOutput(selectors.family_cases(self.context["request"].user, family), many=True).data

    def get_chronology(self, family) -> str:
        return reverse("family-chronology", args=[family.pk])


class ChronologyInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PRACTITIONER_CHRONOLOGY_KINDS)
    occurred_at = serializers.DateTimeField()
    summary = serializers.CharField(max_length=300)
    detail = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    subject_id = serializers.IntegerField(required=False, allow_null=True, default=None)


def _get_or_400(queryset, pk, field: str, message: str):
    """An id in a request body that the user may not see is a field error, not a leak."""
    obj = queryset.filter(pk=pk).first() if pk is not None else None
    if pk is not None and obj is None:
        raise serializers.ValidationError({field: [message]})
    return obj


def _get_or_404(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


class PersonMergeInput(serializers.Serializer):
    duplicate_id = serializers.IntegerField(help_text="The duplicate record, merged into this one")
    reason = serializers.CharField(
        max_length=LONG_TEXT, help_text="Why these are the same person (what was checked)"
    )
    version = serializers.IntegerField(help_text="The version of the record kept, as you read it")


class PersonDetailsInput(serializers.Serializer):
    """What the statutory returns need of a person; the whole set is sent each time."""

    sex = serializers.ChoiceField(choices=Sex.choices)
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices)
    disabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Disability.choices), allow_empty=True, max_length=13
    )
    upn = serializers.CharField(max_length=13, required=False, allow_blank=True, default="")
    former_upn = serializers.CharField(max_length=13, required=False, allow_blank=True, default="")
    upn_unknown_reason = serializers.ChoiceField(
        choices=UpnUnknown.choices, required=False, allow_blank=True, default=""
    )
    date_of_death = serializers.DateField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(min_value=1)


# --- views -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="People you may see; filter with name, date_of_birth (YYYY-MM-DD) and postcode",
        parameters=[
            OpenApiParameter("name", str, description="Any part of a name"),
            OpenApiParameter("date_of_birth", OpenApiTypes.DATE),
            OpenApiParameter("postcode", str, description="All or the start of a postcode"),
        ],
        responses=PersonOutput(many=True),
    ),
    retrieve=extend_schema(summary="One person", responses=PersonOutput),
    create=extend_schema(summary="Add a person", request=PersonInput, responses={201: PersonOutput}),
)
class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PersonOutput

    def get_queryset(self):
        params = self.request.query_params
        if any(params.get(field) for field in PersonSearchForm.base_fields):
            form = PersonSearchForm(params)  # the page's validation: dates, lengths, NUL bytes
            if not form.is_valid():
                raise serializers.ValidationError(
                    {
                        ("non_field_errors" if field == "__all__" else field): [e["message"] for e in errors]
                        for field, errors in form.errors.get_json_data().items()
                    }
                )
            search = selectors.PersonSearch(**form.cleaned_data)
            return selectors.person_search(self.request.user, search, limit=200).prefetch_related("addresses")
        return people_visible_to(self.request.user).prefetch_related("addresses")

    def get_object(self):
        return person_for_user(self.request.user, self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        require_create(request.user, "create_person")
        data = PersonInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        address = fields.pop("address", None)
        person = services.person_create(by=request.user, **fields)
        if address:
            services.person_address_add(person=person, by=request.user, **address)
        return Response(PersonOutput(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record a move: the new address becomes current, the old one is kept",
        request=AddressSerializer,
        responses={201: PersonOutput},
    )
    @action(detail=True, methods=["post"])
    def addresses(self, request, pk=None):
        person = person_for_user(request.user, pk)
        require_create(request.user, "change_person")
        data = AddressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.person_address_add(person=person, by=request.user, **data.validated_data)
        return Response(PersonOutput(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record what the statutory returns need: sex, ethnicity, disabilities, UPNs, date of death",
        request=PersonDetailsInput,
        responses=PersonOutput,
    )
    @action(detail=True, methods=["post"])
    def details(self, request, pk=None):
        person = person_for_user(request.user, pk)
        require_create(request.user, "change_person")
        data = PersonDetailsInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        person = services.person_details_record(
            person=person, by=request.user, expected_version=fields.pop("version"), **fields
        )
        return Response(PersonOutput(person).data)

    @extend_schema(
        summary="Merge a duplicate record into this one, with the reason (MASH and team managers)",
        request=PersonMergeInput,
        responses=PersonOutput,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        keep = person_for_user(request.user, pk)
        require_create(request.user, "merge_people")
        data = PersonMergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        duplicate = people_visible_to(request.user).filter(pk=data.validated_data["duplicate_id"]).first()
        if duplicate is None:
            raise serializers.ValidationError({"duplicate_id": ["No such person."]})
        keep = services.person_merge(
            duplicate=duplicate,
            keep=keep,
            reason=data.validated_data["reason"],
            by=request.user,
            expected_version=data.validated_data["version"],
        )
        return Response(PersonOutput(keep).data)


@extend_schema_view(
    list=extend_schema(summary="Families you may see", responses=FamilyOutput(many=True)),
    retrieve=extend_schema(
        summary="The whole family: members, relationships, cases past and present",
        responses=FamilyDetailOutput,
    ),
    create=extend_schema(summary="Start a family record", request=FamilyInput, responses={201: FamilyOutput}),
)
class FamilyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = FamilyOutput

    def get_queryset(self):
        return families_visible_to(self.request.user).prefetch_related("memberships__person")

    def get_object(self):
        return family_for_user(self.request.user, self.kwargs["pk"])

    def get_serializer_class(self):
        return FamilyDetailOutput if self.action == "retrieve" else FamilyOutput

    @extend_schema(summary="The family's chronology, newest first", responses=ChronologyOutput(many=True))
    @action(detail=True, methods=["get"])
    def chronology(self, request, pk=None):
        family = family_for_user(request.user, pk)
        page = self.paginate_queryset(selectors.family_chronology(request.user, family))
        return self.get_paginated_response(ChronologyOutput(page, many=True).data)

    def create(self, request, *args, **kwargs):
        require_create(request.user, "create_family")
        data = FamilyInput(data=request.data)
        data.is_valid(raise_exception=True)
        family = services.family_create(by=request.user, **data.validated_data)
        return Response(FamilyOutput(family).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a person to the family",
        request=FamilyMemberInput,
        responses={201: FamilyOutput},
    )
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        family = family_for_user(request.user, pk)
        require_create(request.user, "change_family")
        data = FamilyMemberInput(data=request.data)
        data.is_valid(raise_exception=True)
        person = _get_or_400(
            people_visible_to(request.user),
            data.validated_data["person_id"],
            "person_id",
            "No such person.",
        )
        services.family_member_add(
            family=family,
            person=person,
            role=data.validated_data["role"],
            lives_in_household=data.validated_data["lives_in_household"],
            by=request.user,
        )
        return Response(FamilyOutput(family).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record how two members are related", request=RelationshipInput, responses={201: FamilyOutput}
    )
    @action(detail=True, methods=["post"])
    def relationships(self, request, pk=None):
        family = family_for_user(request.user, pk)
        require_create(request.user, "change_family")
        data = RelationshipInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        members = Person.objects.filter(memberships__family=family)
        message = "Choose a member of this family."
        person = _get_or_400(members, values.pop("person_id"), "person_id", message)
        relative = _get_or_400(members, values.pop("relative_id"), "relative_id", message)
        services.relationship_record(
            family=family, person=person, relative=relative, by=request.user, **values
        )
        return Response(FamilyOutput(family).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Practitioners involved with the family", responses=InvolvementOutput(many=True))
    @extend_schema(
        methods=["post"],
        summary="Involve a practitioner (e.g. a partner agency's) with the family",
        request=InvolvementInput,
        responses={201: InvolvementOutput},
    )
    @action(detail=True, methods=["get", "post"])
    def involvements(self, request, pk=None):
        family = family_for_user(request.user, pk)
        if request.method == "GET":
            rows = (
                family.involvements.filter(ended_at__isnull=True)
                .select_related("user", "agency")
                .order_by("pk")
            )
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(InvolvementOutput(page, many=True).data)
        family = family_for_user(request.user, pk, "involve")
        data = InvolvementInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = _get_or_400(
            User.objects.filter(is_active=True), data.validated_data["user_id"], "user_id", "No such user."
        )
        involvement = services.involvement_add(
            family=family,
            user=user,
            role_description=data.validated_data["role_description"],
            by=request.user,
        )
        return Response(InvolvementOutput(involvement).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="End a practitioner's involvement", request=None, responses=InvolvementOutput)
    @action(detail=True, methods=["post"], url_path=r"involvements/(?P<involvement_pk>\d+)/end")
    def involvement_end(self, request, pk=None, involvement_pk=None):
        family = family_for_user(request.user, pk, "involve")
        involvement = _get_or_404(Involvement.objects.filter(family=family), involvement_pk)
        involvement = services.involvement_end(involvement=involvement, by=request.user)
        return Response(InvolvementOutput(involvement).data)


@extend_schema_view(
    list=extend_schema(summary="Cases you may see", responses=CaseOutput(many=True)),
    retrieve=extend_schema(summary="One case", responses=CaseOutput),
    create=extend_schema(
        summary="Open a case for a family", request=CaseOpenInput, responses={201: CaseOutput}
    ),
)
class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CaseOutput
    filterset_class = CaseFilter

    def get_queryset(self):
        return selectors.case_list(self.request.user)

    def get_object(self):
        return case_for_user(self.request.user, self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        require_create(request.user, "open_case")
        data = CaseOpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        family = _get_or_400(
            families_visible_to(request.user), values["family_id"], "family_id", "No such family."
        )
        team = _get_or_400(Team.objects.all(), values["team_id"], "team_id", "No such team.")
        case = services.case_open(family=family, team=team, pathway=values["pathway"], by=request.user)
        return Response(CaseOutput(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Allocate a worker to the case", request=CaseAllocateInput, responses=CaseOutput)
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        case = case_for_user(request.user, pk, "allocate")
        data = CaseAllocateInput(data=request.data)
        data.is_valid(raise_exception=True)
        worker = _get_or_400(User.objects.all(), data.validated_data["user_id"], "user_id", "No such user.")
        services.case_allocate(
            case=case,
            user=worker,
            role=data.validated_data["role"],
            by=request.user,
            expected_version=data.validated_data["version"],
        )
        return Response(CaseOutput(case_for_user(request.user, pk)).data)

    @extend_schema(summary="Close the case", request=CaseCloseInput, responses=CaseOutput)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case = case_for_user(request.user, pk, "close")
        data = CaseCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_close(
            case=case,
            by=request.user,
            expected_version=data.validated_data.pop("version"),
            **data.validated_data,
        )
        return Response(CaseOutput(case_for_user(request.user, pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="The family's chronology, newest first", responses=ChronologyOutput(many=True)
    ),
    create=extend_schema(
        summary="Add an entry to the chronology",
        request=ChronologyInput,
        responses={201: ChronologyOutput},
    ),
)
class CaseChronologyViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = ChronologyOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return ChronologyEntry.objects.none()
        case = case_for_user(self.request.user, self.kwargs["case_pk"])
        return selectors.family_chronology(self.request.user, case.family)

    def create(self, request, *args, **kwargs):
        case = case_for_user(request.user, self.kwargs["case_pk"], "add_chronology")
        data = ChronologyInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        subject_id = values.pop("subject_id")
        subject = _get_or_400(
            Person.objects.restrict(request.user).filter(memberships__family=case.family),
            subject_id,
            "subject_id",
            "Choose someone who is a member of this family.",
        )
        entry = services.chronology_entry_add(
            family=case.family, case=case, subject=subject, by=request.user, **values
        )
        return Response(ChronologyOutput(entry).data, status=status.HTTP_201_CREATED)


# --- families' feedback on the help they got ------------------------------------------------------


class FamilyFeedbackOutput(OutputSerializer):
    recorded_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = FamilyFeedback
        fields = [
            "id",
            "case",
            "team",
            "help_right",
            "listened_to",
            "ask_again",
            "comments",
            "via",
            "given_by",
            "recorded_by",
            "given_at",
        ]


class FamilyFeedbackInput(serializers.Serializer):
    """What the family said in a conversation, recorded by a worker on the case."""

    help_right = serializers.ChoiceField(
        choices=FeedbackAnswer.choices, help_text="Was the help the right help for the family?"
    )
    listened_to = serializers.ChoiceField(
        choices=FeedbackAnswer.choices, help_text="Did they feel listened to?"
    )
    ask_again = serializers.ChoiceField(
        choices=AskAgainAnswer.choices, help_text="If they needed help again, would they ask?"
    )
    comments = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    given_by = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class FeedbackInvitationOutput(OutputSerializer):
    url = serializers.SerializerMethodField(help_text="The family's single-use link: returned only now")

    class Meta:
        model = FeedbackInvitation
        fields = ["id", "case", "moment", "created_at", "expires_at", "url"]

    def get_url(self, invitation) -> str:
        return self.context["url"]


@extend_schema_view(
    list=extend_schema(
        summary="The family's feedback on the help they got, newest first",
        responses=FamilyFeedbackOutput(many=True),
    ),
    create=extend_schema(
        summary="Record the family's feedback from a conversation",
        request=FamilyFeedbackInput,
        responses={201: FamilyFeedbackOutput},
    ),
)
class CaseFeedbackViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = FamilyFeedbackOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return FamilyFeedback.objects.none()
        return selectors.case_feedback(case_feedback_for_user(self.request.user, self.kwargs["case_pk"]))

    def create(self, request, *args, **kwargs):
        case = case_feedback_for_user(request.user, self.kwargs["case_pk"], "ask")
        data = FamilyFeedbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = services.feedback_record(case=case, by=request.user, **data.validated_data)
        return Response(FamilyFeedbackOutput(feedback).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(
        summary="Make a single-use link for the family to give feedback (its url is returned only now)",
        request=None,
        responses={201: FeedbackInvitationOutput},
    ),
)
class CaseFeedbackInvitationViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = FeedbackInvitationOutput

    def get_queryset(self):
        return FeedbackInvitation.objects.none()

    def create(self, request, *args, **kwargs):
        case = case_feedback_for_user(request.user, self.kwargs["case_pk"], "ask")
        invitation, token = services.feedback_invite(case=case, by=request.user)
        url = request.build_absolute_uri(reverse("cases:feedback-give", args=[token]))
        return Response(
            FeedbackInvitationOutput(invitation, context={"url": url}).data, status=status.HTTP_201_CREATED
        )
