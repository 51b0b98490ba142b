"""REST API for a user's own API tokens (/api/v1/tokens/): list, make (from a signed-in session
only) and revoke. The same services and lookups as the tokens page (accounts/views.py)."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts import services
from accounts.models import API_TOKEN_NAME_LENGTH, ApiToken
from accounts.permissions import api_token_for_user
from accounts.selectors import api_tokens_live
from config.api import OutputSerializer


class ApiTokenOutput(OutputSerializer):
    """One of your API tokens, never its key (which is not kept)."""

    created = serializers.DateTimeField(source="auth_token.created")
    expires = serializers.DateTimeField(source="auth_token.expiry", allow_null=True)
    made_from_this_session = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "created",
            "expires",
            "last_used_at",
            "ends_with_sign_out",
            "made_from_this_session",
        ]

    def get_made_from_this_session(self, token: ApiToken) -> bool:
        session_hash = self.context.get("session_hash", "")
        return bool(session_hash) and token.session_hash == session_hash


class ApiTokenCreatedOutput(ApiTokenOutput):
    """The token just made, with its key: in this answer alone."""

    key = serializers.SerializerMethodField(
        help_text="The token itself, for `Authorization: Token <key>`. Shown this once: it is not kept."
    )

    class Meta(ApiTokenOutput.Meta):
        fields = [*ApiTokenOutput.Meta.fields, "key"]

    def get_key(self, token: ApiToken) -> str:
        return self.context["key"]


class ApiTokenInput(serializers.Serializer):
    name = serializers.CharField(
        max_length=API_TOKEN_NAME_LENGTH, help_text="What the token is for, so that you know it again."
    )
    ends_with_sign_out = serializers.BooleanField(
        default=True,
        help_text="End the token when the session it is made from signs out (the default). "
        "False: it lasts until it expires.",
    )


def _context(request) -> dict:
    return {"request": request, "session_hash": services.api_token_session_hash(request.session)}


@extend_schema_view(
    list=extend_schema(summary="Your API tokens that still work, newest first (never their keys)"),
    destroy=extend_schema(summary="Revoke one of your API tokens", responses={204: None}),
)
class ApiTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ApiTokenOutput
    lookup_value_regex = r"\d+"
    queryset = ApiToken.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return api_tokens_live(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **_context(self.request)}

    @extend_schema(
        summary="Make an API token (from a signed-in session only); its key is in this answer alone",
        description="Refused (403) to a request made with a token: a token cannot make another. "
        "Each token lasts API_TOKEN_HOURS; a user holds at most API_TOKENS_PER_USER.",
        request=ApiTokenInput,
        responses={
            201: ApiTokenCreatedOutput,
            403: OpenApiResponse(description="Made with a token, not a signed-in session."),
        },
    )
    def create(self, request):
        if request.auth is not None:
            raise PermissionDenied(
                "Make API tokens from a signed-in session (the API tokens page), not with a token."
            )
        data = ApiTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.api_token_create(
            user=request.user,
            name=data.validated_data["name"],
            session=request.session,
            ends_with_sign_out=data.validated_data["ends_with_sign_out"],
        )
        answer = ApiTokenCreatedOutput(made.token, context={**_context(request), "key": made.key})
        return Response(answer.data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        services.api_token_revoke(token=api_token_for_user(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
