"""Ofsted's Annex A lists 1-7: one sheet each with Ofsted's headings in order, dates dd/mm/yyyy,
coded answers with their letter prefixes, the right rows for the window."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from referrals.services import contact_subject_link
from returns.annex_a import HEADINGS, SHEET_TITLES, annex_a_write
from returns.models import ReturnBuild

pytestmark = pytest.mark.django_db


def workbook(end: date, months: int = 6) -> dict[str, list[tuple]]:
    out = io.BytesIO()
    annex_a_write(end, out, months=months)
    out.seek(0)
    book = load_workbook(out, read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def rows_for(sheet: list[tuple], child) -> list[dict]:
    headings = sheet[0]
    return [dict(zip(headings, row, strict=True)) for row in sheet[1:] if row[0] == f"P{child.pk}"]


def test_each_list_has_ofsteds_headings_in_order(db):
    sheets = workbook(date(2026, 11, 30))
    assert list(sheets) == list(SHEET_TITLES.values())
    for name, title in SHEET_TITLES.items():
        assert list(sheets[title][0]) == HEADINGS[name]
    assert HEADINGS["List 7"][:6] == [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Does the Child have a Disability",
    ]


def test_the_lists_for_the_six_months_to_march_2026(county):
    sheets = workbook(date(2026, 3, 31))
    nia, noah, sky = county["nia"], county["noah"], county["sky"]
    # List 3: referrals in the window (October 2025 to March 2026): the Scholes' in September is not.
    assert rows_for(sheets["List 3 - Referrals"], sky) == []
    # List 4: Sky's assessment was authorised in the window.
    (assessment,) = rows_for(sheets["List 4 - Assessments"], sky)
    assert assessment["Continuous Assessment Date of Authorisation"] == "06/10/2025"
    assert assessment["Was the child assessed as requiring LA children's social care support?"] == "b) No"
    assert assessment["Does the Child have a Disability"] == "b) No"
    assert assessment["Gender"] == "b) Female" and assessment["Ethnicity"] == "a) WBRI"
    # List 6: one row per child, the status at the end date.
    (nias,) = rows_for(sheets["List 6 - Children in need"], nia)
    assert (
        nias["CIN Start Date"] == "12/05/2025" and nias["Primary Need Code"] == "N4 - Family in acute stress"
    )
    assert nias["Case Status"] == "c) Child in need plan" and not nias["CIN Closure Date"]
    (skys,) = rows_for(sheets["List 6 - Children in need"], sky)
    assert skys["Case Status"] == "e) Closed episode"
    assert skys["Reason for Closure"] == "RC8 - Case closed after assessment, no further action"
    # List 7: Nia's plan ended in the window; Noah was never on one.
    (plan,) = rows_for(sheets["List 7 - Child protection"], nia)
    assert (plan["Child Protection Plan Start Date"], plan["Child Protection Plan End Date"]) == (
        "21/07/2025",
        "19/01/2026",
    )
    assert (plan["Initial Category of Abuse"], plan["Latest Category of Abuse"]) == (
        "a) Neglect",
        "e) Multiple/not recommended",
    )
    assert plan["Date of latest review conference"] == "20/10/2025"
    assert plan["Number of Previous Child Protection Plans"] == 0
    assert rows_for(sheets["List 7 - Child protection"], noah) == []


def test_twelve_months_reach_back_to_the_enquiries(county):
    sheets = workbook(date(2026, 3, 31), months=12)
    nia, noah = county["nia"], county["noah"]
    (referral,) = rows_for(sheets["List 3 - Referrals"], nia)
    assert referral["Date of referral"] == "12/05/2025" and referral["Referral Source"] == "e) 2A: Schools"
    assert referral["Referral NFA?"] == "b) No" and referral["Number of Referrals in Last 12 Months"] == 0
    assert referral["Allocated Team"] == "Family Help Team North"
    (enquiry,) = rows_for(sheets["List 5 - Section 47 enquiries"], noah)
    assert enquiry["Strategy discussion initiating Section 47 Enquiry Start Date"] == "07/07/2025"
    assert enquiry["Was an Initial Child Protection Conference deemed unnecessary?"] == "b) No"
    assert enquiry["Date of Initial Child Protection Conference"] == "21/07/2025"
    assert enquiry["Did the Initial Child Protection Conference Result in a Child Protection Plan"] == "b) No"
    (nias,) = rows_for(sheets["List 5 - Section 47 enquiries"], nia)
    assert nias["Did the Initial Child Protection Conference Result in a Child Protection Plan"] == "a) Yes"


def test_contacts_and_early_help_in_the_six_months_to_november_2026(cast, county, contact_about_nia):
    sheets = workbook(date(2026, 11, 30))
    contacts = sheets["List 1 - Contacts"]
    unlinked = [row for row in contacts[1:] if row[5] == "02/11/2026"]
    assert len(unlinked) == 1 and unlinked[0][0].startswith("S") and unlinked[0][6] == "e) 2A: Schools"
    contact_subject_link(subject=contact_about_nia.subjects.get(), person=county["nia"], by=cast.mash_manager)
    sheets = workbook(date(2026, 11, 30))
    (linked,) = rows_for(sheets["List 1 - Contacts"], county["nia"])
    assert linked["Age of Child (Years)"] == 9 and linked["Date of Birth"] == "09/03/2017"
    # The unborn baby referred in September: age -1, no date of birth.
    (baby,) = rows_for(sheets["List 3 - Referrals"], county["baby"])
    assert baby["Age of Child (Years)"] == -1 and baby["Gender"] == "c) Not stated/recorded"


def test_annex_a_from_the_command_the_page_and_the_api(
    cast, county, tmp_path, client_for, api_for, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_DIR = tmp_path / "exports"
    out = io.StringIO()
    call_command("annex_a", "--end", "2026-03-31", "--output", str(tmp_path / "a.xlsx"), stdout=out)
    assert "List 6: 3" in out.getvalue()
    with pytest.raises(CommandError, match="a date like"):
        call_command("annex_a", "--end", "31/03/2026", "--output", str(tmp_path / "a.xlsx"))
    client = client_for(cast.team_manager)
    assert client.get(reverse("returns:annex-a")).status_code == 200
    late = client.post(reverse("returns:annex-a"), {"end_on": "2099-01-01", "months": "6"})
    assert late.status_code == 400 and "cannot end after today" in late.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(reverse("returns:annex-a"), {"end_on": "2026-03-31", "months": "6"})
    build = ReturnBuild.objects.get()
    assert made.status_code == 302 and build.state == "done" and build.children > 0
    download = client.get(reverse("returns:build-download", args=[build.pk]))
    assert download["Content-Disposition"].endswith('annex-a-2026-03-31-6m-999.xlsx"')
    api = api_for(cast.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        answered = api.post("/api/v1/returns/annex-a/", {"end_on": "2026-03-31", "months": 12}, format="json")
    assert answered.status_code == 202
    assert api.get(f"/api/v1/returns/builds/{answered.json()['id']}/").json()["state"] == "done"
    assert api.post("/api/v1/returns/annex-a/", {"end_on": "soon"}, format="json").status_code == 400
    assert (
        api_for(cast.social_worker)
        .post("/api/v1/returns/annex-a/", {"end_on": "2026-03-31"}, format="json")
        .status_code
        == 403
    )


def test_visits_show_who_was_seen_and_when(cast, county):
    from datetime import datetime

    from django.utils import timezone

    from assessments.services import conversation_record

    nia, noah = county["nia"], county["noah"]
    family = nia.families.get(name__startswith="Northam")

    def visit(day, seen, alone, kind="home_visit"):
        conversation_record(
            family=family,
            by=cast.social_worker,
            kind=kind,
            occurred_at=timezone.make_aware(datetime(day.year, day.month, day.day, 15)),
            discussed="How the week has gone",
            children_seen=seen,
            children_seen_alone=alone,
        )

    visit(date(2025, 6, 2), [nia], [])  # during the assessment (12 May to 16 June 2025)
    visit(date(2025, 11, 3), [nia, noah], [nia])  # a home visit during Nia's plan, Nia seen alone
    visit(date(2025, 12, 1), [nia], [], kind="school_visit")  # not a home visit
    sheets = workbook(date(2026, 3, 31), months=12)
    (plan,) = rows_for(sheets["List 7 - Child protection"], nia)
    assert (
        plan["Date of the Last Statutory Visit"] == "03/11/2025"
        and plan["Was the Child Seen Alone?"] == "a) Yes"
    )
    (assessment,) = rows_for(sheets["List 4 - Assessments"], nia)
    assert assessment["Child Seen During Continuous Assessment"] == "a) Yes"
    (noahs,) = rows_for(sheets["List 4 - Assessments"], noah)
    assert noahs["Child Seen During Continuous Assessment"] == "b) No"
    (need,) = rows_for(sheets["List 6 - Children in need"], nia)
    assert need["Date Child Was Last Seen"] == "01/12/2025"
