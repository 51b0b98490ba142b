"""How long free text may be, everywhere: forms, the API (stated in its schema) and the services.

A long case note or assessment contribution runs to a few thousand words; LONG_TEXT leaves room
for that and refuses a pasted document (which belongs in the case's documents, not its history).
"""

LONG_TEXT = 20_000
