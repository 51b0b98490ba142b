"""Signal receivers of the audit app (connected in AuditConfig.ready)."""

from audit.services import access_log_partitions_maintain


def access_log_months_ahead(sender, using, **kwargs):
    """After every migrate (run as the tables' owner): the access log's months ahead exist."""
    if using == "default":
        access_log_partitions_maintain(drop=False)
