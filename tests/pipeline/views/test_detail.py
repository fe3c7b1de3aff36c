"""A deal's page: its timeline and the stale flag."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from pipeline import services
from tests.factories import make_deal, stage


def test_it_shows_the_timeline_newest_first(client_as, rep, manager, pipeline):
    start = timezone.now() - timedelta(days=10)
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=start)
    services.deal_move(deal=deal, to_stage=stage(pipeline, "Qualified"), by=rep, at=start + timedelta(days=2))
    services.deal_move(deal=deal, to_stage=stage(pipeline, "Demo"), by=manager, at=start + timedelta(days=5, hours=12))
    response = client_as(rep).get(reverse("pipeline:deal_detail", args=[deal.pk]))
    changes = [event.change for event in response.context["timeline"]]
    entries = [(c.from_stage and c.from_stage.name, c.to_stage.name) for c in changes]
    assert entries == [("Qualified", "Demo"), ("Lead", "Qualified"), (None, "Lead")]
    html = response.content.decode()
    assert "Moved from Qualified to Demo" in html
    assert "3.5 days in Qualified" in html
    assert f"by {escape(str(manager))}" in html
    assert "Created in Lead" in html


def test_it_interleaves_activities_with_stage_changes(client_as, rep, pipeline):
    from activities import services as activity_services

    start = timezone.now() - timedelta(days=10)
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=start)
    activity_services.activity_log(
        owner=rep, by=rep, kind="call", outcome="connected", deal=deal, occurred_at=start + timedelta(days=1)
    )
    services.deal_move(deal=deal, to_stage=stage(pipeline, "Qualified"), by=rep, at=start + timedelta(days=2))
    response = client_as(rep).get(reverse("pipeline:deal_detail", args=[deal.pk]))
    kinds = ["change" if event.change else event.activity.kind for event in response.context["timeline"]]
    assert kinds == ["change", "call", "change"]
    assert 'data-testid="timeline-activity"' in response.content.decode()


def test_it_flags_a_stale_deal_on_its_page(client_as, rep, pipeline):
    lead = stage(pipeline, "Lead")
    lead.rotting_days = 3
    lead.save()
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=timezone.now() - timedelta(days=4))
    response = client_as(rep).get(reverse("pipeline:deal_detail", args=[deal.pk]))
    assert response.context["deal"].is_stale
    assert 'data-testid="stale-badge"' in response.content.decode()


def test_it_shows_the_forecast_history_newest_first(client_as, rep, manager, pipeline):
    start = timezone.now() - timedelta(days=10)
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=start, amount="1000")
    services.deal_move(deal=deal, to_stage=stage(pipeline, "Demo"), by=rep, at=start + timedelta(days=2))
    services.deal_update(deal=deal, by=manager, forecast_category="commit", amount=1500)
    response = client_as(rep).get(reverse("pipeline:deal_detail", args=[deal.pk]))
    rows = [(r.stage.name, r.amount, r.forecast_category, r.changed_by) for r in response.context["forecast_history"]]
    assert rows == [("Demo", 1500, "commit", manager), ("Demo", 1000, "pipeline", rep), ("Lead", 1000, "pipeline", rep)]
    html = response.content.decode()
    assert html.count('data-testid="forecast-history-row"') == 3
    table = html.split('data-testid="forecast-history"')[1]
    assert table.index(escape(str(manager))) < table.index("Lead")
    category = html.split('data-testid="forecast-category">')[1].split("</dd>")[0]
    assert '<span class="badge text-bg-success" data-testid="forecast-badge">Commit</span>' in category


def test_it_shows_the_deal_page_in_a_fixed_number_of_queries(client_as, rep, pipeline, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    deal = make_deal(owner=rep, pipeline=pipeline)
    client = client_as(rep)
    url = reverse("pipeline:deal_detail", args=[deal.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for amount in range(2, 12):
        services.deal_update(deal=deal, by=rep, amount=amount * 100)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(url).context["forecast_history"]) == 11
