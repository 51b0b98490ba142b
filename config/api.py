"""API plumbing shared by every app: errors from services become 400s with field messages."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


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
