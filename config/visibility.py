"""What a user may see of each kind of record, asked one way: `Model.objects.restrict(user)`.

In the spirit of netbox's `RestrictedQuerySet.restrict(user, action)`. Each app writes its rule
once, in its own permissions.py, as a function of the user returning the visible queryset, and
registers it with `@visibility_rule(Model)`; the model's manager is `RestrictedQuerySet.as_manager()`.
`restrict` narrows any queryset of that model (filtered, ordered, annotated) to what the rule allows,
so a view, an API list, a serializer's related field and a form's choices all answer the same.
The rules are found when Django starts (config/apps.py imports every app's permissions module).
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

Rule = Callable[..., QuerySet]
RULES: dict[str, Rule] = {}


def visibility_rule(model) -> Callable[[Rule], Rule]:
    """Declare `rule(user)` as what `user` may see of `model` (one rule per model)."""

    def register(rule: Rule) -> Rule:
        label = model._meta.label
        if RULES.get(label, rule) is not rule:
            raise ImproperlyConfigured(f"{label} already has a visibility rule: {RULES[label].__qualname__}.")
        RULES[label] = rule
        return rule

    return register


def rule_for(model) -> Rule:
    try:
        return RULES[model._meta.label]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no visibility rule: "
            "declare one with @visibility_rule in its app's permissions.py."
        ) from None


class RestrictedQuerySet(QuerySet):
    def restrict(self, user) -> QuerySet:
        """These records, narrowed to those `user` may see (restricted records left out)."""
        return self.filter(pk__in=rule_for(self.model)(user).values("pk"))
