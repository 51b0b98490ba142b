"""Signals other apps listen to, so that pathways need not know about them.

`decision_settled` is sent inside the transaction that confirms or returns a proposed decision;
receivers write in that same transaction (the front door finishes a pathway-4 triage with it).
"""

from django.dispatch import Signal

decision_settled = Signal()  # kwargs: decision, by
