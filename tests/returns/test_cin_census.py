"""The Children in Need census return: each child once with all their episodes, in the DfE's
element order, as the records stood on 31 March, and clean under the DfE's validation rules as the
public csc-validator-be-cin package implements them."""

import io
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cases import services as case_services
from cases.choices import PersonKind
from returns.census import CensusYear, census_children, census_problems, census_write
from tests.returns.conftest import details

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / ".venv-cin" / "bin" / "python"

# The DfE's order of a child's elements and of an episode's (docs/census.md).
CHILD_ORDER = ["ChildIdentifiers", "ChildCharacteristics", "CINdetails"]
IDENTIFIER_ORDER = [
    "LAchildID",
    "UPN",
    "FormerUPN",
    "UPNunknown",
    "PersonBirthDate",
    "ExpectedPersonBirthDate",
    "Sex",
    "PersonDeathDate",
]
EPISODE_ORDER = [
    "CINreferralDate",
    "ReferralSource",
    "PrimaryNeedCode",
    "CINclosureDate",
    "ReasonForClosure",
    "DateOfInitialCPC",
    "Assessments",
    "CINPlanDates",
    "Section47",
    "ReferralNFA",
    "ChildProtectionPlans",
]


def build(year: int) -> ET.Element:
    out = io.BytesIO()
    census_write(year, out)
    return ET.fromstring(out.getvalue())


def children_by_id(message: ET.Element) -> dict[str, ET.Element]:
    return {child.findtext("ChildIdentifiers/LAchildID"): child for child in message.iter("Child")}


def in_order(element: ET.Element, order: list[str]) -> bool:
    positions = [order.index(child.tag) for child in element]
    return positions == sorted(positions)


def test_the_return_holds_each_child_once_with_the_facts_of_the_year(county):
    message = build(2026)
    header = message.find("Header")
    assert header.findtext("CollectionDetails/Year") == "2026"
    assert header.findtext("CollectionDetails/ReferenceDate") == "2026-03-31"
    assert header.findtext("Source/LEA") == "999"
    children = children_by_id(message)
    nia, noah, sky = (children[f"P{county[name].pk}"] for name in ("nia", "noah", "sky"))
    assert f"P{county['baby'].pk}" not in children  # referred in 2026 to 2027
    for child in children.values():
        assert [e.tag for e in child] == CHILD_ORDER[: len(child)] or in_order(child, CHILD_ORDER)
        assert in_order(child.find("ChildIdentifiers"), IDENTIFIER_ORDER)
        for episode in child.iter("CINdetails"):
            assert in_order(episode, EPISODE_ORDER)
    episode = nia.find("CINdetails")
    # Closed in May 2026: open on 31 March, so no closure in this year's return.
    assert episode.findtext("CINclosureDate") is None
    assert episode.findtext("ReferralSource") == "2A" and episode.findtext("ReferralNFA") == "0"
    assert [a.findtext("AssessmentAuthorisationDate") for a in episode.iter("Assessments")] == ["2025-06-16"]
    assert [f.text for f in episode.iter("AssessmentFactors")] == ["3B", "16A"]
    plans = [
        (p.findtext("CINPlanStartDate"), p.findtext("CINPlanEndDate")) for p in episode.iter("CINPlanDates")
    ]
    assert plans == [("2025-05-19", "2025-07-20"), ("2026-01-20", None)]
    s47 = episode.find("Section47")
    assert (
        s47.findtext("S47ActualStartDate"),
        s47.findtext("DateOfInitialCPC"),
        s47.findtext("ICPCnotRequired"),
    ) == (
        "2025-07-07",
        "2025-07-21",
        "0",
    )
    cpp = episode.find("ChildProtectionPlans")
    assert (cpp.findtext("CPPstartDate"), cpp.findtext("CPPendDate")) == ("2025-07-21", "2026-01-19")
    assert (cpp.findtext("InitialCategoryOfAbuse"), cpp.findtext("LatestCategoryOfAbuse")) == ("NEG", "MUL")
    assert [r.text for r in cpp.iter("CPPreviewDate")] == ["2025-10-20"]
    assert noah.find("CINdetails/ChildProtectionPlans") is None
    assert noah.findtext("CINdetails/Section47/DateOfInitialCPC") == "2025-07-21"
    assert sky.findtext("CINdetails/ReasonForClosure") == "RC8"
    assert sky.findtext("CINdetails/CINclosureDate") == "2025-10-13"


def test_next_years_return_carries_on_and_leaves_out_what_finished_before_it(county):
    children = children_by_id(build(2027))
    nia = children[f"P{county['nia'].pk}"]
    episode = nia.find("CINdetails")
    assert episode.findtext("CINclosureDate") == "2026-05-11"
    # A step-down after a CIN or CP plan closes with RC7, never RC8 (DfE rule 2990).
    assert episode.findtext("ReasonForClosure") == "RC7"
    assert episode.find("Assessments") is None  # authorised before the year began
    assert episode.find("ChildProtectionPlans") is None  # ended before the year began
    assert [p.findtext("CINPlanStartDate") for p in episode.iter("CINPlanDates")] == ["2026-01-20"]
    assert f"P{county['sky'].pk}" not in children  # closed in 2025 to 2026
    baby = children[f"P{county['baby'].pk}"]
    assert baby.findtext("ChildIdentifiers/ExpectedPersonBirthDate") == "2027-04-10"
    assert baby.findtext("ChildIdentifiers/Sex") == "U"
    assert baby.findtext("ChildIdentifiers/PersonBirthDate") is None


def test_a_merged_duplicate_is_returned_under_the_record_kept(cast, county):
    nia = county["nia"]
    duplicate = case_services.person_create(
        by=cast.mash_manager,
        kind=PersonKind.CHILD,
        first_name="Nia",
        last_name="Northam",
        date_of_birth=nia.date_of_birth,
    )
    case_services.person_merge(duplicate=duplicate, keep=nia, reason="Same child", by=cast.mash_manager)
    ids = [child.la_child_id for child in census_children(2026)]
    assert ids.count(f"P{nia.pk}") == 1 and f"P{duplicate.pk}" not in ids


def test_a_year_with_no_data_is_an_empty_valid_return(db, tmp_path):
    output = tmp_path / "cin.xml"
    out = io.StringIO()
    call_command("cin_census", "--year", "2020", "--output", str(output), stdout=out)
    assert "empty but valid return" in out.getvalue()
    message = ET.parse(output).getroot()
    assert message.find("Children") is not None and not list(message.find("Children"))
    with pytest.raises(CommandError, match="the year the census ends"):
        call_command("cin_census", "--year", "26", "--output", str(output))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("cin_census", "--year", "2026", "--output", str(tmp_path / "nowhere" / "cin.xml"))


def test_missing_facts_never_stop_the_export_and_are_listed(cast, county, tmp_path):
    sky = county["sky"]
    sky.refresh_from_db()
    details(sky, cast, disabilities=[])
    out = io.StringIO()
    call_command("cin_census", "--year", "2026", "--output", str(tmp_path / "cin.xml"), stdout=out)
    assert (
        "for 3 children" in out.getvalue()
        and "1 children have records the DfE's rules would reject" in out.getvalue()
    )
    child = next(c for c in census_children(2026) if c.person.pk == sky.pk)
    problems = census_problems(child, CensusYear(2026))
    assert [(p.rule, p.severity) for p in problems] == [("8540", "ERROR")]
    assert problems[0].fix_url == f"/people/{sky.pk}/"


@pytest.mark.parametrize("year", [2026, 2027])
def test_the_return_passes_the_dfes_validation_rules(county, tmp_path, year):
    assert VALIDATOR.exists(), "the DfE rules run in .venv-cin: make install-test makes it"
    output = tmp_path / f"cin{year}.xml"
    call_command("cin_census", "--year", str(year), "--output", str(output), stdout=io.StringIO())
    ran = subprocess.run(
        [
            str(VALIDATOR),
            "-I",
            str(ROOT / "returns" / "dfe_rules" / "cin_validate.py"),
            str(output),
            str(year),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    report = json.loads(ran.stdout)
    assert report["crashed"] == []
    errors = [rule for rule in report["rules"] + report["return_level"] if rule["severity"] == "ERROR"]
    assert errors == []
    queries = {rule["rule"] for rule in report["rules"] + report["return_level"]}
    # Explained in docs/census.md: a small return uses fewer than 8 disability codes.
    assert queries <= {"2887Q", "2888Q"}
