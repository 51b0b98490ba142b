import django_filters

from accounts.models import Team, User
from cases.choices import CaseState, Pathway
from cases.models import Case


class CaseFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=CaseState.choices, empty_label="Any state")
    pathway = django_filters.ChoiceFilter(choices=Pathway.choices, empty_label="Any pathway")
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.filter(cases__isnull=False).distinct(), empty_label="Any team"
    )
    # The managers' dashboards link each worker's caseload here (returns/dashboards.py).
    key_worker = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(key_worker_cases__isnull=False).distinct(),
        empty_label="Any key worker",
        null_label="No key worker",
    )

    class Meta:
        model = Case
        fields = ["state", "pathway", "team", "key_worker"]
