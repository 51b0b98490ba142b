"""Validators for identifiers that appear on a child's record."""

import re

import nhs_number
from django.core.exceptions import ValidationError

_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # the 23 check letters (no I, O, S)
_UPN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")


def validate_nhs_number(value: str) -> None:
    if not (re.fullmatch(r"[0-9]{10}", value) and nhs_number.is_valid(value)):
        raise ValidationError("Enter a valid 10-digit NHS number (the check digit does not match).")


def upn_check_letter(body: str) -> str:
    """The DfE check letter for the last 12 characters of a Unique Pupil Number."""
    total = 0
    for position, char in enumerate(body, start=2):
        value = int(char) if char.isdigit() else _UPN_LETTERS.index(char)
        total += value * position
    return _UPN_LETTERS[total % 23]


def validate_upn(value: str) -> None:
    if not _UPN.match(value) or (value[-1].isalpha() and value[-1] not in _UPN_LETTERS):
        raise ValidationError("Enter a 13-character Unique Pupil Number, like A123456789012.")
    if value[0] != upn_check_letter(value[1:]):
        raise ValidationError(
            "This Unique Pupil Number's check letter does not match: check it was copied correctly."
        )
