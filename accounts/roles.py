"""What each role may do, written down once. `roles_sync` makes the groups match this table.

Object-level access (which families and cases) is separate: see cases/permissions.py.
"""

from accounts.choices import Role

_PRACTICE = [
    "cases.add_person",
    "cases.change_person",
    "cases.add_family",
    "cases.change_family",
    "cases.add_chronologyentry",
    "cases.add_involvement",
    "assessments.add_contribution",
    "pathways.add_decision",
    "pathways.add_plan",
    "pathways.change_plan",
    "referrals.add_contact",
    "stepdown.add_consent",
    "stepdown.change_consent",
    "stepdown.add_stepdown",
    "fgc.add_fgcreferral",
]
_DECIDE_1_2 = ["pathways.decide_pathway_1", "pathways.decide_pathway_2"]
_DECIDE_1_3 = [*_DECIDE_1_2, "pathways.decide_pathway_3"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.FAMILY_HELP_WORKER: ["cases.view_team_cases", *_PRACTICE, *_DECIDE_1_2],
    Role.SOCIAL_WORKER: ["cases.view_all_cases", *_PRACTICE, *_DECIDE_1_3],
    Role.ECPP: ["cases.view_all_cases", *_PRACTICE, *_DECIDE_1_3, "pathways.decide_pathway_4"],
    Role.MASH_MANAGER: [
        "cases.view_all_cases",
        "cases.add_case",
        "referrals.triage_contact",
        "cases.merge_person",
        "escalation.change_clock_due",
        "cases.restrict_record",
        "stepdown.view_stepdown_audit",
        "returns.make_returns",
        "returns.view_dashboard",
        *_PRACTICE,
        *_DECIDE_1_3,
    ],
    Role.TEAM_MANAGER: [
        "cases.view_all_cases",
        "cases.add_case",
        "cases.allocate_case",
        "cases.close_case",
        "pathways.authorise_assessment",
        "cases.merge_person",
        "escalation.change_clock_due",
        "cases.restrict_record",
        "stepdown.approve_stepdown",
        "stepdown.view_stepdown_audit",
        "stepdown.record_audit_finding",
        "stepdown.review_drift",
        "pathways.record_supervision",
        "returns.make_returns",
        "returns.view_dashboard",
        *_PRACTICE,
        *_DECIDE_1_3,
    ],
    # A head of service reads across every team: the managers' dashboards, the lists behind them,
    # the timescales; allocating, closing and approving stay with the team managers.
    Role.HEAD_OF_SERVICE: [
        "cases.view_all_cases",
        "escalation.change_clock_due",
        "stepdown.view_stepdown_audit",
        "stepdown.review_drift",
        "returns.make_returns",
        "returns.view_dashboard",
    ],
    Role.PARTNER_PRACTITIONER: [
        "cases.add_chronologyentry",
        "assessments.add_contribution",
        "referrals.add_contact",
    ],
    # A family group conference coordinator sees the families referred to the service (an
    # involvement, made when they take a referral up), holds the conference and records the
    # family's own plan; they decide no pathway.
    Role.FGC_COORDINATOR: [
        "fgc.coordinate_fgc",
        "cases.add_chronologyentry",
    ],
    Role.AUDITOR: [
        "cases.view_all_cases",
        "cases.view_access_log",
        "audit.export_chronology",
        "stepdown.view_stepdown_audit",
        "stepdown.record_audit_finding",
        "returns.make_returns",
    ],
    Role.ADMINISTRATOR: [
        f"accounts.{action}_{model}"
        for model in ("user", "team", "agency")
        for action in ("add", "change", "view")
    ]
    + ["auth.view_group", "cases.view_access_log"]
    # Unlocking a sign-in locked after failed attempts (accounts/lockout.py).
    + ["axes.view_accessattempt", "axes.delete_accessattempt"],
}

# Which home page a person with several roles sees first.
ROLE_PRIORITY = [
    Role.ADMINISTRATOR,
    Role.AUDITOR,
    Role.MASH_MANAGER,
    Role.TEAM_MANAGER,
    Role.HEAD_OF_SERVICE,
    Role.ECPP,
    Role.SOCIAL_WORKER,
    Role.FAMILY_HELP_WORKER,
    Role.FGC_COORDINATOR,
    Role.PARTNER_PRACTITIONER,
]

# Who may be put to work on a case (allocated as key worker, ECPP or co-worker).
CASE_HOLDING_ROLES = frozenset({Role.FAMILY_HELP_WORKER, Role.SOCIAL_WORKER, Role.ECPP, Role.TEAM_MANAGER})
# Qualified social work roles: the only key workers at pathway 4 (DOMAIN.md).
QUALIFIED_ROLES = frozenset({Role.SOCIAL_WORKER, Role.ECPP, Role.TEAM_MANAGER})
# Who may be involved with a family. Auditors and administrators never are: involvement would
# hand them case content outside their role.
PRACTICE_ROLES = CASE_HOLDING_ROLES | {Role.MASH_MANAGER, Role.PARTNER_PRACTITIONER, Role.FGC_COORDINATOR}
