"""API plumbing shared by every app: errors from services become 400s with field messages."""

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from config.visibility import rule_for


class DeniedWithDetail(PermissionDenied):
    """A refusal that tells an API client more than its message: `api_detail()` joins the 403's body
    (for example a restricted record's type, id and where to break glass)."""

    def api_detail(self) -> dict:
        return {}


def exception_handler(exc, context):
    if isinstance(exc, DeniedWithDetail):
        response = drf_exception_handler(exceptions.PermissionDenied(str(exc)), context)
        response.data.update(exc.api_detail())
        return response
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A record chosen by id from those the signed-in user may see (`Model.objects.restrict`).

    Every serializer field that takes the id of a child's or family's record is one of these, never
    a `PrimaryKeyRelatedField` over `.objects.all()` (tests/test_no_leak.py): an id the user may not
    see answers exactly as an id that does not exist, and the answer names nothing but the id. The
    serializer needs the request in its context."""

    default_error_messages = {
        "does_not_exist": "No record {pk_value} that you can see.",
        "incorrect_type": "Give the record's id as a whole number.",
    }

    def __init__(self, model, **kwargs):
        rule_for(model)  # a model with no visibility rule is a mistake here: say so at import time
        self.model = model
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            raise ImproperlyConfigured(f"{type(self.parent).__name__} needs the request in its context.")
        return self.model.objects.restrict(request.user)


class OutputSerializer(serializers.ModelSerializer):
    """A record as the API shows it. Every field is read-only, so a serializer made for answers can
    never be used to choose a related record from more than the user can see."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields
