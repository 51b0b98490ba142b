"""Move each case's census record (one row per family case) onto the case's children: a CIN
episode per child with the referral, its assessment, section 47 enquiry, child protection plan and
the child in need plan periods the family plan's history shows. Backwards, each case's record is
rebuilt from its first child's first episode (what a family-level row could hold)."""

from datetime import date, datetime

from django.db import migrations

CIN_LEVEL = 3
CHILD_KINDS = ("child", "unborn")


def _day(value: datetime | date | None) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    return value.date()


def _left_cin_level(transitions, after: date) -> tuple[date | None, int | None]:
    """When (and to where) the case last left pathways 3-4 without closing."""
    left = (None, None)
    for transition in transitions:
        if _day(transition.at) < after:
            continue
        came_in = (transition.to_pathway or 0) >= CIN_LEVEL
        if (transition.from_pathway or 0) >= CIN_LEVEL and transition.to_pathway and not came_in:
            left = (_day(transition.at), transition.to_pathway)
        elif came_in:
            left = (None, None)
    return left


def _cin_plan_periods(plan, changes) -> list[tuple[date, date | None]]:
    """The spans in which the family plan was a child in need plan."""
    periods, start, kind = [], None, None
    for change in changes:
        to_kind = change.to_kind or kind
        if kind != "child_in_need" and to_kind == "child_in_need":
            start = _day(change.at) if kind else plan.started_on
        elif kind == "child_in_need" and to_kind != "child_in_need":
            periods.append((start, _day(change.at)))
            start = None
        kind = to_kind
    if start is not None:
        periods.append((start, plan.ended_on))
    return periods


def forwards(apps, schema_editor):
    CinRecord = apps.get_model("pathways", "CinRecord")
    CinEpisode = apps.get_model("pathways", "CinEpisode")
    ChildAssessment = apps.get_model("pathways", "ChildAssessment")
    CinPlanPeriod = apps.get_model("pathways", "CinPlanPeriod")
    Section47 = apps.get_model("pathways", "Section47")
    CpPlan = apps.get_model("pathways", "CpPlan")
    CpCategoryChange = apps.get_model("pathways", "CpCategoryChange")
    Plan = apps.get_model("pathways", "Plan")
    PlanChange = apps.get_model("pathways", "PlanChange")
    PathwayTransition = apps.get_model("pathways", "PathwayTransition")
    Person = apps.get_model("cases", "Person")

    for record in CinRecord.objects.select_related("case").order_by("case__opened_at", "pk"):
        case = record.case
        referral = record.referral_date or record.assessment_start or record.s47_start
        if referral is None:
            continue
        transitions = list(PathwayTransition.objects.filter(case=case).order_by("at", "pk"))
        closure, reason = None, ""
        if case.state == "closed":
            closure, reason = _day(case.closed_at), case.closure_reason
        else:
            left_on, to_pathway = _left_cin_level(transitions, referral)
            if left_on is not None:
                closure, reason = left_on, "RC9" if to_pathway == 2 else "RC8"
        left_four = next(
            (
                _day(t.at)
                for t in transitions
                if t.from_pathway == 4 and t.to_pathway != 4 and record.cp_plan_start
                if _day(t.at) >= record.cp_plan_start
            ),
            None,
        )
        plan = Plan.objects.filter(case=case).first()
        periods = []
        if plan is not None:
            periods = _cin_plan_periods(plan, PlanChange.objects.filter(plan=plan).order_by("at", "pk"))
        children = Person.objects.filter(
            memberships__family_id=case.family_id,
            memberships__role="child",
            kind__in=CHILD_KINDS,
            merged_into__isnull=True,
        ).distinct()
        if plan is not None:
            plan.children.set(children)
        for child in children:
            if closure is None and CinEpisode.objects.filter(child=child, closure_date__isnull=True).exists():
                continue  # the child's open episode is on another family's case already
            episode = CinEpisode.objects.create(
                child=child,
                case=case,
                referral_date=referral,
                referral_source=record.referral_source,
                primary_need=record.primary_need,
                closure_date=max(closure, referral) if closure else None,
                closure_reason=reason,
            )
            if record.assessment_start:
                ChildAssessment.objects.create(
                    episode=episode,
                    started_on=max(record.assessment_start, referral),
                    authorised_on=record.assessment_authorised,
                    factors=record.factors,
                )
            cin_plans = False
            for start, end in periods:
                start = max(start, referral)
                end = min(end, closure) if end and closure else end or closure
                if end is not None and end < start:
                    continue
                CinPlanPeriod.objects.create(episode=episode, started_on=start, ended_on=end)
                cin_plans = True
            enquiry = None
            if record.s47_start:
                outcome = record.s47_outcome or ("hold_icpc" if record.icpc_date else "")
                enquiry = Section47.objects.create(
                    episode=episode,
                    started_on=record.s47_start,
                    icpc_target=record.icpc_target or record.s47_start,
                    outcome=outcome,
                    outcome_on=record.icpc_date or (record.s47_start if outcome else None),
                    icpc_date=record.icpc_date,
                )
            if record.cp_plan_start:
                categories = list(record.cp_categories) or ["MUL"]
                category = categories[0] if len(categories) == 1 else "MUL"
                ended = left_four or closure
                cp_plan = CpPlan.objects.create(
                    episode=episode,
                    section47=enquiry,
                    started_on=record.cp_plan_start,
                    ended_on=max(ended, record.cp_plan_start) if ended else None,
                    initial_category=category,
                    latest_category=category,
                    previous_plans=CpPlan.objects.filter(
                        episode__child=child, started_on__lt=record.cp_plan_start
                    ).count(),
                )
                CpCategoryChange.objects.create(
                    cp_plan=cp_plan,
                    to_category=category,
                    on=record.cp_plan_start,
                    at=datetime.combine(record.cp_plan_start, datetime.min.time()).astimezone(),
                    by_id=case.opened_by_id,
                )
            if reason in ("RC8", "RC9") and (cin_plans or enquiry or record.cp_plan_start):
                episode.closure_reason = "RC7"  # DfE rule 2990
                episode.save(update_fields=["closure_reason"])

    _move_permission(apps, "cinrecord", "cinepisode")


def backwards(apps, schema_editor):
    CinRecord = apps.get_model("pathways", "CinRecord")
    CinEpisode = apps.get_model("pathways", "CinEpisode")
    seen = set()
    for episode in CinEpisode.objects.order_by("case_id", "referral_date", "pk"):
        if episode.case_id in seen:
            continue
        seen.add(episode.case_id)
        assessment = episode.assessments.order_by("started_on", "pk").first()
        enquiry = episode.section47s.order_by("started_on", "pk").first()
        cp_plan = episode.cp_plans.order_by("started_on", "pk").first()
        CinRecord.objects.create(
            case_id=episode.case_id,
            referral_date=episode.referral_date,
            referral_source=episode.referral_source,
            primary_need=episode.primary_need,
            assessment_start=assessment.started_on if assessment else None,
            assessment_authorised=assessment.authorised_on if assessment else None,
            factors=assessment.factors if assessment else [],
            s47_start=enquiry.started_on if enquiry else None,
            s47_outcome=enquiry.outcome if enquiry else "",
            icpc_target=enquiry.icpc_target if enquiry else None,
            icpc_date=enquiry.icpc_date if enquiry else None,
            cp_plan_start=cp_plan.started_on if cp_plan else None,
            cp_categories=[cp_plan.initial_category] if cp_plan else [],
        )
    _move_permission(apps, "cinepisode", "cinrecord")


def _move_permission(apps, from_model: str, to_model: str) -> None:
    """'Authorise an assessment' belonged to the old model: keep the same permission row (and so
    every group and person holding it) on the new one."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    target, _ = ContentType.objects.get_or_create(app_label="pathways", model=to_model)
    Permission.objects.filter(content_type=target, codename="authorise_assessment").filter(
        group__isnull=True, user__isnull=True
    ).delete()
    Permission.objects.filter(
        content_type__app_label="pathways", content_type__model=from_model, codename="authorise_assessment"
    ).update(content_type=target)


class Migration(migrations.Migration):
    dependencies = [
        ("pathways", "0006_child_records"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
