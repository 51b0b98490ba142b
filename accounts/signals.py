"""Signals other apps listen to, so that accounts need not know about them."""

from django.dispatch import Signal

# Sent inside the transaction that saves a user's roles or whether they may sign in: user_create,
# and the administrators' user pages (accounts.services.user_access_saved). The clock engine keeps
# an account that waits for a role (accounts.selectors.user_waits_for_role) in the administrators'
# trays until it has one (escalation/receivers.py).
user_access_changed = Signal()  # kwargs: user, by
