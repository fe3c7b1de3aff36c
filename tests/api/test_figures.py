"""GET /api/v1/me/week and /api/v1/team/figures: the pages' selectors, the pages' permissions."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from activities import services
from tests.factories import make_deal, make_pipeline


def test_my_week_has_the_callers_open_pipeline_and_upcoming_meetings(api_as, rep, teammate):
    pipeline = make_pipeline()
    make_deal(owner=rep, pipeline=pipeline, amount="1000")
    make_deal(owner=rep, pipeline=pipeline, amount="3000", stage_name="Demo")
    make_deal(owner=teammate, pipeline=pipeline, amount="99999")
    meeting = services.activity_log(
        owner=rep, by=rep, kind="meeting", outcome="scheduled", occurred_at=timezone.now() + timedelta(days=1)
    )
    body = api_as(rep).get("/me/week").json()
    # Lead 1000 x 10% + Demo 3000 x 50% = 100 + 1500
    assert (body["open_deals"], Decimal(body["open_amount"]), Decimal(body["weighted_amount"])) == (
        2,
        Decimal("4000"),
        Decimal("1600"),
    )
    assert [m["id"] for m in body["upcoming"]] == [meeting.pk]
    assert body["today"] == timezone.localdate().isoformat()


def test_team_figures_are_for_managers_and_admins_only(api_as, rep):
    response = api_as(rep).get("/team/figures")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_a_manager_reads_their_teams_rows_and_total(api_as, manager, rep, teammate, outsider):
    pipeline = make_pipeline()
    make_deal(owner=rep, pipeline=pipeline, amount="1000")
    make_deal(owner=teammate, pipeline=pipeline, amount="500")
    make_deal(owner=outsider, pipeline=pipeline, amount="7000")
    body = api_as(manager).get("/team/figures").json()
    rows = {row["rep_id"]: row for row in body["rows"]}
    assert set(rows) == {rep.pk, teammate.pk}
    assert (rows[rep.pk]["open_deals"], Decimal(rows[rep.pk]["open_amount"])) == (1, Decimal("1000"))
    assert Decimal(body["total"]["open_amount"]) == Decimal("1500")
    assert body["team_id"] == rep.team_id


def test_another_teams_figures_are_404_to_a_manager(api_as, manager, outsider):
    assert api_as(manager).get("/team/figures", {"team": outsider.team_id}).status_code == 404


def test_an_admin_reads_every_team(api_as, admin_user, rep, outsider):
    body = api_as(admin_user).get("/team/figures").json()
    assert {rep.pk, outsider.pk} <= {row["rep_id"] for row in body["rows"]}


def test_a_bad_period_is_refused(api_as, manager):
    response = api_as(manager).get("/team/figures", {"period": "custom", "start": "2026-02-01", "end": "2026-01-01"})
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/end"]
