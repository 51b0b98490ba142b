from django.contrib import admin

from disagreements.models import LadderContact


@admin.register(LadderContact)
class LadderContactAdmin(admin.ModelAdmin):
    """Configuration: who answers at each rung of the disagreement ladder, per agency."""

    list_display = ["agency", "stage", "user"]
    list_filter = ["agency", "stage"]
    autocomplete_fields = ["user"]
