"""Signals other apps listen to, so that cases need not know about them.

`case_closed` is sent inside the transaction that closes a case, however it closes (a decision,
the close form, the API); receivers write in that same transaction (pathways closes the
children's CIN episodes with it).
"""

from django.dispatch import Signal

case_closed = Signal()  # kwargs: case, reason, by
