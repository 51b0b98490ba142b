"""Who reads the access log and who exports PDF chronologies."""

from django.core.exceptions import PermissionDenied


def require_auditor(user) -> None:
    if not user.has_perm("audit.view_access_log"):
        raise PermissionDenied("The access log is for auditors and administrators.")


def require_exporter(user) -> None:
    if not user.has_perm("audit.export_chronology"):
        raise PermissionDenied("Only auditors export PDF chronologies.")
