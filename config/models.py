"""Model pieces every app shares."""

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def no_truncate(name: str) -> pgtrigger.Trigger:
    """A trigger that refuses TRUNCATE, which the row-level append-only triggers never see."""
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table: it is append-only', TG_TABLE_NAME;",
    )


class HistoryEvent(models.Model):
    """One row of something's history: what happened, when and by whom (nobody for the system).

    Append-only: the database refuses UPDATE and DELETE on every table made from this (the trigger
    is inherited with the Meta). A history names its subject with a ForeignKey of its own and adds
    the fields it needs (`detail`, the state it moved to, ...); a subclass declares no Meta, or one that
    extends this (`class Meta(HistoryEvent.Meta)`), to keep the ordering and the trigger."""

    summary = models.CharField(max_length=300)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["at", "pk"]
        triggers = [
            pgtrigger.Protect(name="history_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            no_truncate("history_no_truncate"),
        ]

    def __str__(self) -> str:
        return self.summary


def stale_message(what: str) -> str:
    return (
        f"Someone else changed {what} while you were working on it. "
        "Nothing was saved: reload the page to see their change, then try again."
    )


def lock_current(instance, expected_version=None, *, what: str | None = None, field: str | None = "version"):
    """Lock `instance`'s row for the rest of the transaction and return it as it is now, refusing
    (with `code="stale"`) when its `version` is no longer the one the user read. Every service that
    changes a versioned record starts here, so concurrent edits never overwrite each other."""
    current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if expected_version is not None and str(current.version) != str(expected_version):
        error = ValidationError(stale_message(what or f"this {instance._meta.verbose_name}"), code="stale")
        raise ValidationError({field: error}) if field else error
    return current
