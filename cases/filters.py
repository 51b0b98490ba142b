import django_filters
from django.db.models import Exists, OuterRef

from accounts.models import Team, User
from cases.choices import CaseState, Pathway
from cases.models import Case


class CaseFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=CaseState.choices, empty_label="Any state")
    pathway = django_filters.ChoiceFilter(choices=Pathway.choices, empty_label="Any pathway")
    # Teams and key workers with a case, asked of each one through its index (EXISTS), not by
    # joining every case and removing duplicates (60 ms over a county's 134,000 cases).
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.filter(Exists(Case.objects.filter(team=OuterRef("pk")))), empty_label="Any team"
    )
    # The managers' dashboards link each worker's caseload here (returns/dashboards.py).
    key_worker = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(Exists(Case.objects.filter(key_worker=OuterRef("pk")))),
        empty_label="Any key worker",
        null_label="No key worker",
    )

    class Meta:
        model = Case
        fields = ["state", "pathway", "team", "key_worker"]
