"""The one-on-one page: the rep against the team average, stages, goals, the funnel, and the
manager's private notes, checked against figures worked out by hand.

The clock is frozen on Wednesday 18 November 2026, 12:00 UTC; the page shows
"this month" (1 to 30 November, 18 of 30 days gone) unless a test picks another period.
"""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from activities import services as activity_services
from dashboards import rollups
from dashboards.models import ActionItem, OneOnOne
from pipeline import services as pipeline_services
from quotas.models import ActivityGoal, OrgSettings, Quota
from tests.dashboards.helpers import pipeline_with_stale_demos, stuck_demo
from tests.factories import LostReasonFactory, ManagerFactory, TeamFactory, make_deal, stage
from tests.helpers import NOW, at


def calls(owner, day, n, connected=0):
    for i in range(n):
        activity_services.activity_log(
            owner=owner,
            by=owner,
            kind="call",
            outcome="connected" if i < connected else "no_answer",
            occurred_at=at(day),
            created_at=at(day),
        )


def lead_stay(owner, pipeline, *, entered: date, days: int, to: str):
    """A deal entering Lead on ``entered`` and leaving it ``days`` later for ``to``."""
    deal = make_deal(owner=owner, pipeline=pipeline, stage_name="Lead", amount="500", created_at=at(entered))
    moved = at(entered) + timedelta(days=days)
    if to == "Lost":
        pipeline_services.deal_move(
            deal=deal,
            to_stage=stage(pipeline, "Lost"),
            by=owner,
            at=moved,
            closed_on=moved.date(),
            lost_reason=LostReasonFactory(),
        )
    else:
        pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, to), by=owner, at=moved)
    return deal


@pytest.fixture
def data(frozen, rep, teammate, team, outsider):
    OrgSettings.load()
    pipeline = pipeline_with_stale_demos()

    # Calls in November: the rep 10 (4 connected), the teammate 20 (5 connected); the rep 3 more in October.
    calls(rep, date(2026, 11, 10), 6, connected=2)
    calls(rep, date(2026, 11, 16), 4, connected=2)
    calls(rep, date(2026, 10, 27), 3)
    calls(teammate, date(2026, 11, 17), 20, connected=5)
    calls(outsider, date(2026, 11, 17), 99, connected=99)

    # Won in November: the rep 2 x 3,000, the teammate 12,000.
    for day in (date(2026, 11, 5), date(2026, 11, 12)):
        make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="3000", closed_on=day, created_at=at(day))
    make_deal(
        owner=teammate,
        pipeline=pipeline,
        stage_name="Won",
        amount="12000",
        closed_on=date(2026, 11, 6),
        created_at=at(date(2026, 11, 6)),
    )
    # Lead stays ending in November: the rep 2 days (advanced) and 4 days (lost), the teammate 1 and 3 (advanced).
    lead_stay(rep, pipeline, entered=date(2026, 11, 2), days=2, to="Qualified")
    lead_stay(rep, pipeline, entered=date(2026, 11, 3), days=4, to="Lost")
    lead_stay(teammate, pipeline, entered=date(2026, 11, 2), days=1, to="Qualified")
    lead_stay(teammate, pipeline, entered=date(2026, 11, 4), days=3, to="Qualified")
    # Open: the rep's demo sitting 10 days (stale after 7).
    stuck_demo(rep, pipeline)

    Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 11, 1), target=Decimal("10000"))
    Quota.objects.create(rep=teammate, period_kind="month", period_start=date(2026, 11, 1), target=Decimal("20000"))
    ActivityGoal.objects.create(rep=rep, metric="call", frequency="week", target=5, starts_on=date(2026, 10, 1))
    rollups.rebuild()
    return {"pipeline": pipeline}


def url(rep, **query):
    base = reverse("dashboards:one_on_one", args=[rep.pk])
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


def page_of(client_as, viewer, rep, **query):
    response = client_as(viewer).get(url(rep, **query))
    assert response.status_code == 200
    return response


def figures(response) -> dict:
    return {line.key: line for line in response.context["page"].figures}


# --- the figures --------------------------------------------------------------------------------


def test_it_shows_the_rep_against_the_team_average(client_as, manager, rep, data):
    f = figures(page_of(client_as, manager, rep))
    # Calls: rep 10, team (10 + 20) / 2 = 15; connect rate rep 4/10 = 40%, team 9/30 = 30%.
    assert (f["calls"].rep, f["calls"].team) == (10, 15)
    assert (f["connect_rate"].rep, f["connect_rate"].team) == (40.0, 30.0)
    # Won: rep 6,000, team (6,000 + 12,000) / 2 = 9,000; average deal rep 3,000, team 18,000 / 3 = 6,000.
    assert (f["won_amount"].rep, f["won_amount"].team) == (Decimal("6000"), Decimal("9000"))
    assert (f["average_deal"].rep, f["average_deal"].team) == (Decimal("3000"), Decimal("6000"))
    # Win rate: rep 2 won of 3 closed, team 3 of 4.
    assert round(f["win_rate"].rep, 1) == 66.7 and f["win_rate"].team == 75.0
    # Attainment: rep 6,000 / 10,000 = 60%, team 18,000 / 30,000 = 60%; pace 60% / (18/30) = 100%.
    assert (round(f["attainment"].rep, 6), round(f["attainment"].team, 6)) == (60.0, 60.0)
    assert round(f["pace"].rep, 6) == 100.0
    # Open pipeline: the rep's demo 10,000 and a qualified 500, the teammate's two qualified 500s:
    # team average (10,500 + 1,000) / 2 = 5,750; one stale deal (the demo), 0.5 on average.
    assert (f["open_amount"].rep, f["open_amount"].team) == (Decimal("10500"), Decimal("5750"))
    assert (f["stale_deals"].rep, f["stale_deals"].team) == (1, Decimal("0.5"))


def test_the_team_attainment_is_the_same_on_the_one_on_one_page_and_the_team_dashboard(
    client_as, manager, rep, team, data
):
    # docs/metrics.md "Team attainment": Enterprise East in November won 6,000 + 12,000 = 18,000. Its
    # members' quotas add up to 30,000 (60%), but the team has its own Q4 quota of 69,000, which counts
    # November's 30 of its 92 days: 22,500. Both pages: 18,000 / 22,500 = 80%.
    Quota.objects.create(team=team, period_kind="quarter", period_start=date(2026, 10, 1), target=Decimal("69000"))
    rollups.rebuild()
    f = figures(page_of(client_as, manager, rep))
    assert f["attainment"].team == pytest.approx(80.0)
    assert f["attainment"].rep == pytest.approx(60.0)  # the rep's own: 6,000 / 10,000
    total = client_as(manager).get(reverse("dashboards:team")).context["total"]
    assert (total.quota_achieved, total.quota_target) == (Decimal("18000"), Decimal("22500"))
    assert total.attainment == pytest.approx(80.0)


def test_it_renders_the_figures_localised(client_as, manager, rep, data):
    body = page_of(client_as, manager, rep).content.decode()
    assert "9,000" in body and "66.7%" not in body  # percentages shown whole
    assert "67%" in body and "75%" in body


def test_it_compares_stage_conversion_leakage_and_days_in_stage_with_the_team(client_as, manager, rep, data):
    page = page_of(client_as, manager, rep).context["page"]
    lead = next(line for line in page.stages if line.stage.name == "Lead")
    # Rep: 2 entered Lead, 1 advanced, 1 lost, stays 2 and 4 days; team: 4 entered, 3 advanced, 1 lost,
    # stays 2 + 4 + 1 + 3 = 10 days over 4 stays.
    assert (lead.rep.entered, lead.rep.conversion, lead.rep.leakage, lead.rep.days_in_stage) == (2, 50.0, 50.0, 3.0)
    assert (lead.team.entered, lead.team.conversion, lead.team.leakage, lead.team.days_in_stage) == (
        4,
        75.0,
        25.0,
        2.5,
    )


def test_it_lists_stale_deals_goal_history_and_trends(client_as, manager, rep, data):
    response = page_of(client_as, manager, rep)
    page = response.context["page"]
    assert [(d.title, round(d.age_days)) for d in page.stale] == [("Stuck demo", 10)]
    (history,) = page.goals
    # Calls per week, target 5: weeks of 26 Oct (3), 2 Nov (0), 9 Nov (6), 16 Nov (4).
    assert [(str(p.period), p.count, p.target) for p in history.periods] == [
        ("2026-W44", 3, 5),
        ("2026-W45", 0, 5),
        ("2026-W46", 6, 5),
        ("2026-W47", 4, 5),
    ]
    assert [p.calls for p in page.rep_trend][-4:] == [3, 0, 6, 4]
    # The team's week of 16 Nov: 4 + 20 calls over 2 reps.
    calls_chart = response.context["charts"][0]
    assert calls_chart.series[0].values[-1] == 4
    assert calls_chart.series[1].values[-1] == Decimal(12)


def test_it_shows_the_reps_reverse_funnel(client_as, manager, rep, data):
    page = page_of(client_as, manager, rep).context["page"]
    (month,) = page.quotas
    # Gap 4,000; too little history: the defaults (25,000 a deal, 25% meeting -> won, 5% call -> meeting).
    assert str(page.rates.average_deal.source) == "default"
    assert (month.funnel.deals, month.funnel.meetings, month.funnel.calls) == (1, 4, 80)


def test_it_follows_the_period_picker(client_as, manager, rep, data):
    f = figures(page_of(client_as, manager, rep, period="last_month"))
    assert (f["calls"].rep, f["won_amount"].rep) == (3, Decimal("0"))
    f = figures(page_of(client_as, manager, rep, period="custom", start="2026-11-10", end="2026-11-16"))
    assert f["calls"].rep == 10


# --- who sees what --------------------------------------------------------------------------------


def test_it_lets_a_rep_open_only_their_own_page(client_as, rep, teammate, outsider, data):
    client = client_as(rep)
    assert client.get(url(rep)).status_code == 200
    assert client.get(url(teammate)).status_code == 404
    assert client.get(url(outsider)).status_code == 404


def test_it_lets_a_manager_open_only_their_teams_reps(client_as, manager, rep, outsider, other_manager, data):
    client = client_as(manager)
    assert client.get(url(rep)).status_code == 200
    assert client.get(url(outsider)).status_code == 404
    assert client.get(reverse("dashboards:one_on_one", args=[other_manager.pk])).status_code == 404
    assert client.get(reverse("dashboards:one_on_one", args=[999999])).status_code == 404
    assert client.get(reverse("dashboards:one_on_one_export", args=[outsider.pk, "figures"])).status_code == 404


def test_it_lets_an_admin_open_any_rep(client_as, admin_user, rep, outsider, data):
    assert client_as(admin_user).get(url(outsider)).status_code == 200
    assert client_as(admin_user).get(url(rep)).status_code == 200


@pytest.fixture
def notes(manager, rep, frozen):
    from dashboards import services

    services.one_on_one_notes_save(rep=rep, by=manager, notes="Secret: coach on discovery calls")
    item = services.action_item_add(rep=rep, by=manager, text="Shadow two calls")
    return item


def test_it_never_shows_a_rep_the_notes_about_them(client_as, rep, notes):
    response = client_as(rep).get(url(rep))
    body = response.content.decode()
    assert response.context["keeping"] is None
    assert "Secret" not in body and "Shadow two calls" not in body and 'id="notes-panel"' not in body
    export = b"".join(client_as(rep).get(reverse("dashboards:one_on_one_export", args=[rep.pk, "figures"])))
    assert b"Secret" not in export and b"last one-on-one" not in export


def test_it_shows_the_notes_to_the_manager_who_keeps_them_and_to_admins(client_as, manager, admin_user, rep, notes):
    for viewer in (manager, admin_user):
        body = client_as(viewer).get(url(rep)).content.decode()
        assert "Secret: coach on discovery calls" in body and "Shadow two calls" in body


def test_it_hides_one_managers_notes_from_another_manager_of_the_rep(client_as, team, rep, notes):
    """A head of department runs the parent team: they see the rep's page, but not the notes of the rep's manager."""
    director = ManagerFactory(username="director")
    team.parent = TeamFactory(name="Sales", manager=director)
    team.save()
    body = client_as(director).get(url(rep)).content.decode()
    assert 'id="notes-panel"' in body
    assert "Secret" not in body and "Shadow two calls" not in body


def _post(client, name, rep, data=None, extra=None, **kwargs):
    return client.post(reverse(name, args=[rep.pk, *(extra or [])]), data or {}, **kwargs)


def test_it_refuses_note_writes_by_the_rep_and_other_managers(client_as, rep, other_manager, notes, manager):
    before = list(OneOnOne.objects.values_list("pk", "notes", "closed_at"))
    items = list(ActionItem.objects.values_list("pk", "text", "done"))
    for writer in (rep, other_manager):
        client = client_as(writer)
        assert _post(client, "dashboards:one_on_one_notes", rep, {"notes": "hacked"}).status_code == 404
        assert _post(client, "dashboards:one_on_one_action_add", rep, {"text": "hacked"}).status_code == 404
        done = _post(client, "dashboards:one_on_one_action_done", rep, {"done": "on"}, extra=[notes.pk])
        assert done.status_code == 404
        assert _post(client, "dashboards:one_on_one_close", rep).status_code == 404
    assert list(OneOnOne.objects.values_list("pk", "notes", "closed_at")) == before
    assert list(ActionItem.objects.values_list("pk", "text", "done")) == items


def test_it_refuses_ticking_an_item_through_another_reps_page(client_as, manager, teammate, notes):
    """The item belongs to the rep's one-on-one: it cannot be reached through a teammate's URL."""
    response = _post(
        client_as(manager), "dashboards:one_on_one_action_done", teammate, {"done": "on"}, extra=[notes.pk]
    )
    assert response.status_code == 404
    assert not ActionItem.objects.get(pk=notes.pk).done


# --- notes, action items and closing ----------------------------------------------------------------


def test_it_saves_notes_and_action_items_without_javascript(client_as, manager, rep, frozen):
    client = client_as(manager)
    response = _post(client, "dashboards:one_on_one_notes", rep, {"notes": "Talked about the Acme deal"})
    assert response.status_code == 302 and response.url.startswith(url(rep))
    response = _post(client, "dashboards:one_on_one_action_add", rep, {"text": "Send the proposal"})
    assert response.status_code == 302
    meeting = OneOnOne.objects.get()
    assert (meeting.rep, meeting.manager, meeting.notes, meeting.opened_on) == (
        rep,
        manager,
        "Talked about the Acme deal",
        NOW.date(),
    )
    assert list(meeting.action_items.values_list("text", "done")) == [("Send the proposal", False)]


def test_it_answers_htmx_with_the_notes_panel(client_as, manager, rep, frozen):
    response = _post(
        client_as(manager), "dashboards:one_on_one_action_add", rep, {"text": "Call back Acme"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="notes-panel"') and "Call back Acme" in body


def test_it_shows_a_form_error_and_changes_nothing(client_as, manager, rep, frozen):
    response = _post(
        client_as(manager), "dashboards:one_on_one_action_add", rep, {"text": "  "}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    assert not ActionItem.objects.exists()


def test_it_ticks_an_action_item_and_carries_open_ones_over(client_as, manager, rep, data):
    from dashboards import services

    first = services.action_item_add(rep=rep, by=manager, text="Clean up stale deals")
    second = services.action_item_add(rep=rep, by=manager, text="Book three demos")
    client = client_as(manager)
    assert _post(client, "dashboards:one_on_one_action_done", rep, {"done": "on"}, extra=[first.pk]).status_code == 302
    assert _post(client, "dashboards:one_on_one_close", rep).status_code == 302
    # The next one-on-one: the open item is still there, the done one is not.
    keeping = page_of(client_as, manager, rep).context["keeping"]
    assert keeping.current is None
    assert [i.text for i in keeping.open_items] == ["Book three demos"]
    assert keeping.previous.action_items.get(pk=first.pk).done
    assert _post(client, "dashboards:one_on_one_action_done", rep, {"done": "on"}, extra=[second.pk]).status_code == 302
    assert ActionItem.objects.get(pk=second.pk).done


def test_closing_freezes_the_figures_as_they_stood_that_day(client_as, manager, rep, data):
    client = client_as(manager)
    _post(client, "dashboards:one_on_one_notes", rep, {"notes": "Good month so far"})
    assert _post(client, "dashboards:one_on_one_close", rep).status_code == 302
    meeting = OneOnOne.objects.get()
    assert meeting.closed_at == NOW
    snapshot = meeting.snapshot
    assert snapshot["taken_on"] == "2026-11-18"
    assert (snapshot["period"]["start"], snapshot["period"]["end"]) == ("2026-11-01", "2026-11-30")
    assert snapshot["figures"]["calls"] == 10
    assert snapshot["figures"]["won_amount"] == "6000.00"
    assert snapshot["figures"]["connect_rate"] == 40.0
    assert snapshot["goals"] == [{"goal": "Calls per week", "period": "2026-W47", "count": 4, "target": 5}]

    # Later that month: more calls. The page shows today's figures next to the frozen ones.
    calls(rep, date(2026, 11, 18), 5, connected=5)
    rollups.rebuild()
    f = figures(page_of(client_as, manager, rep))
    assert (f["calls"].rep, f["calls"].previous) == (15, 10)
    assert (f["connect_rate"].rep, f["connect_rate"].previous) == (60.0, 40.0)
    assert (f["won_amount"].previous, f["win_rate"].previous) == ("6000.00", pytest.approx(66.6667))
    body = page_of(client_as, manager, rep).content.decode()
    assert "At the last one-on-one" in body and "Good month so far" in body
    for key, shown in (("calls", "10"), ("won_amount", "6,000 USD"), ("connect_rate", "40%"), ("win_rate", "67%")):
        row = re.search(rf'data-testid="figure-{key}".*?data-col="previous">([^<]*)<', body, re.S)
        assert row.group(1).strip() == shown, key


def test_a_note_after_closing_opens_the_next_one_on_one(client_as, manager, rep, data):
    client = client_as(manager)
    _post(client, "dashboards:one_on_one_notes", rep, {"notes": "First"})
    _post(client, "dashboards:one_on_one_close", rep)
    _post(client, "dashboards:one_on_one_notes", rep, {"notes": "Second"})
    assert list(OneOnOne.objects.order_by("pk").values_list("notes", "closed_at")) == [("First", NOW), ("Second", None)]


# --- exports and queries -------------------------------------------------------------------------------


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_it_exports_every_table_as_csv(client_as, manager, rep, data):
    client = client_as(manager)
    for table in ("figures", "stages", "stale", "goals", "quotas", "trend"):
        response = client.get(reverse("dashboards:one_on_one_export", args=[rep.pk, table]))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), table
        assert len(_csv(response)) >= 2, table
    rows = _csv(client.get(reverse("dashboards:one_on_one_export", args=[rep.pk, "figures"])))
    assert rows[0][2:] == ["Team average", "At the last one-on-one"]
    assert ["Calls", "10", "15", "—"] in rows
    assert ["Connect rate", "40.0", "30.0", "—"] in rows
    assert client.get(reverse("dashboards:one_on_one_export", args=[rep.pk, "notes"])).status_code == 404


def _grow(team, pipeline, n):
    """More reps, activity and deals in the team (and more of the rep's own)."""
    from tests.factories import RepFactory

    for i in range(n):
        someone = RepFactory(username=f"extra{i}", team=team)
        calls(someone, date(2026, 11, 16), 3, connected=1)
        make_deal(owner=someone, pipeline=pipeline, stage_name="Demo", amount="100", created_at=NOW - timedelta(days=9))
        make_deal(owner=someone, pipeline=pipeline, stage_name="Won", amount="100", closed_on=date(2026, 11, 3))
    rollups.rebuild()


def test_it_builds_the_page_in_a_fixed_number_of_queries(
    client_as, manager, rep, team, data, notes, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(manager)
    client.get(url(rep))
    with CaptureQueriesContext(connection) as small:
        client.get(url(rep))
    expected = len(small.captured_queries)  # read now: the next request resets the query log
    _grow(team, data["pipeline"], 8)
    client.get(url(rep))  # the new stage changes: the stage medians are taken again
    with django_assert_num_queries(expected):
        response = client.get(url(rep))
    assert response.context["team_size"] == 10
    assert expected <= 40


def test_it_shows_a_rep_without_a_team_with_no_team_average(client_as, admin_user, frozen):
    from tests.factories import RepFactory

    loner = RepFactory(username="loner", team=None)
    calls(loner, date(2026, 11, 16), 2)
    rollups.rebuild()
    response = page_of(client_as, admin_user, loner)
    f = figures(response)
    assert (f["calls"].rep, f["calls"].team) == (2, None)
    assert response.context["page"].team_trend == []
    assert "Not on a team: no team average." in response.content.decode()


def test_goal_history_starts_with_the_goals_first_period(rep):
    from dashboards.selectors.rep import goal_history

    goal = ActivityGoal.objects.create(rep=rep, metric="call", frequency="week", target=5, starts_on=date(2026, 11, 10))
    (row,) = goal_history(rep=rep, goals=[goal], today=date(2026, 11, 25))
    # Weeks of 9, 16 and 23 November; the week of 2 November lies wholly before the goal.
    assert [p.period.start for p in row.periods] == [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
