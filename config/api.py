"""API plumbing shared by every app: errors from services become 400s with field messages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from audit.permissions import RecordRestricted


def exception_handler(exc, context):
    if isinstance(exc, RecordRestricted):
        response = drf_exception_handler(exceptions.PermissionDenied(str(exc)), context)
        response.data.update(
            code="restricted",
            record_type=exc.record_type,
            record_id=exc.record_id,
            break_glass="/api/v1/break-glass/",
        )
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
