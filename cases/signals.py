"""Signals other apps listen to, so that cases need not know about them.

`case_closed` is sent inside the transaction that closes a case, however it closes (a decision,
the close form, the API); receivers write in that same transaction (pathways closes the
children's CIN episodes with it).
"""

from django.dispatch import Signal

case_closed = Signal()  # kwargs: case, reason, by
# Sent inside the transaction that allocates someone to a case; `replaced` is whom they replace in a
# role one person holds at a time (key worker, ECPP), else None. The clock engine hands over the
# case's clocks and the tasks they time (escalation/receivers.py).
case_allocated = Signal()  # kwargs: case, role, user, replaced, by
