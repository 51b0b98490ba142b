from django.db import models


class Pathway(models.IntegerChoices):
    """The four proportionate pathways (seeds/000_4010baf25e1ffd5d.txt, DOMAIN.md)."""

    ADVICE = 1, "1. Advice and information"
    FAMILY_HELP = 2, "2. Family help"
    REDUCE_RISK = 3, "3. Support to reduce risk"
    PREVENT_HARM = 4, "4. Support to prevent significant harm"

    @property
    def statutory_basis(self) -> str:
        return {
            1: "Children Act 2004 s10",
            2: "Children Act 1989 s17",
            3: "Children Act 1989 s17",
            4: "Children Act 1989 s47",
        }[self.value]

    @property
    def short_label(self) -> str:
        return {
            1: "Advice and information",
            2: "Family help",
            3: "Reduce risk",
            4: "Prevent significant harm",
        }[self.value]
