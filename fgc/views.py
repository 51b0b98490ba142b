"""Pages for family group conferences: refer from a case, the service's queue, a referral with its
actions, and the coordinator's records (conference, the family's plan, review). Every rule is a
service's; permissions come from fgc/permissions.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.forms import form_add_service_errors
from fgc import forms, selectors, services
from fgc.permissions import (
    case_for_fgc,
    may_coordinate,
    may_see_case,
    referral_controls,
    referral_for_user,
)
from stepdown.models import Consent
from stepdown.permissions import consents_visible_to

# The actions posted to the referral's page, with their form (None: nothing to fill in).
ACT_FORMS = {
    "accept": None,
    "decline": forms.DeclineForm,
    "withdraw": forms.WithdrawForm,
    "close": forms.CloseForm,
}


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request, case_pk: int):
    case = case_for_fgc(request.user, case_pk, "refer")
    form = forms.ReferralForm(request.POST or None, case=case, consents=consents_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.fgc_referral_make(
                case=case,
                by=request.user,
                consent=data["consent"],
                children=data["children"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Referral {referral.reference} sent to {referral.service}.")
            return redirect(referral)
    has_consent = Consent.objects.filter(
        family=case.family, withdrawn_at__isnull=True, family_group_conference=True
    ).exists()
    context = {"case": case, "form": form, "has_consent": has_consent}
    return render(request, "fgc/refer.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def queue(request):
    user = request.user
    context = {
        "coordinator": may_coordinate(user),
        "waiting": list(selectors.service_queue(user)) if may_coordinate(user) else [],
        "mine": list(selectors.coordinator_referrals(user)) if may_coordinate(user) else [],
        "referred": list(selectors.referred_by(user)),
    }
    return render(request, "fgc/queue.html", context)


def _detail(request, referral, *, failed: str = "", failed_form=None, status: int = 200):
    controls = referral_controls(request.user, referral)
    act_forms = {}
    for name in ("decline", "withdraw", "close"):
        if name in controls:
            act_forms[name] = failed_form if name == failed else ACT_FORMS[name]()
    context = {
        "referral": referral,
        "controls": controls,
        "act_forms": act_forms,
        "failed": failed,
        "see_case": may_see_case(request.user, referral),
        "children": referral.children.all(),
        "events": referral.events.select_related("by"),
        "conferences": referral.conferences.all(),
        "actions": referral.plan_actions.order_by("by_when", "pk"),
        "reviews": referral.reviews.all(),
    }
    return render(request, "fgc/detail.html", context, status=status)


@login_required
@require_safe
def referral_detail(request, pk: int):
    return _detail(request, referral_for_user(request.user, pk))


@login_required
@require_POST
def referral_act(request, pk: int, act: str):
    if act not in ACT_FORMS:
        raise Http404("No such action.")
    referral = referral_for_user(request.user, pk, act)
    form_class = ACT_FORMS[act]
    form = form_class(request.POST) if form_class else None
    if form is None or form.is_valid():
        data = form.cleaned_data if form else {}
        try:
            if act == "accept":
                services.fgc_referral_accept(referral=referral, by=request.user)
            elif act == "decline":
                services.fgc_referral_decline(referral=referral, by=request.user, reason=data["reason"])
            elif act == "withdraw":
                services.fgc_referral_withdraw(referral=referral, by=request.user, reason=data["reason"])
            else:
                services.fgc_referral_close(referral=referral, by=request.user, note=data["note"])
        except ValidationError as exc:
            if form is None:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect(referral)
            form_add_service_errors(form, exc)
        else:
            done = {
                "accept": "taken up: you are now involved with the family",
                "decline": "declined",
                "withdraw": "withdrawn",
                "close": "closed",
            }
            messages.success(request, f"Referral {referral.reference} {done[act]}.")
            return redirect(referral)
    referral = referral_for_user(request.user, pk)
    return _detail(request, referral, failed=act, failed_form=form, status=400)


def _record(request, pk: int, action: str, form_class, template: str, save):
    referral = referral_for_user(request.user, pk, action)
    initial = {"held_on": timezone.localdate()} if action != "plan" else {"agreed_on": timezone.localdate()}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save(referral, form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return redirect(referral)
    context = {"referral": referral, "form": form}
    return render(request, template, context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def conference_record(request, pk: int):
    def save(referral, data):
        services.fgc_conference_record(referral=referral, by=request.user, **data)
        messages.success(request, "Conference recorded.")

    return _record(request, pk, "conference", forms.ConferenceForm, "fgc/conference.html", save)


@login_required
@require_http_methods(["GET", "POST"])
def plan_record(request, pk: int):
    def save(referral, data):
        actions = [services.FamilyPlanItem(what=w, who=who, by_when=d) for w, who, d in data["actions"]]
        added = services.fgc_plan_record(
            referral=referral, by=request.user, agreed_on=data["agreed_on"], actions=actions
        )
        messages.success(request, f"The family's plan joined the case's plan: {len(added)} action(s).")

    return _record(request, pk, "plan", forms.PlanForm, "fgc/plan.html", save)


@login_required
@require_http_methods(["GET", "POST"])
def review_record(request, pk: int):
    def save(referral, data):
        services.fgc_review_record(referral=referral, by=request.user, **data)
        messages.success(request, "Review recorded.")

    return _record(request, pk, "review", forms.ReviewForm, "fgc/review.html", save)
