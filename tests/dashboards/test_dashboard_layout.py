"""How the team dashboard and the period pickers are laid out: the rep columns in three groups, a
card per rep for phones, and period pickers that apply on change yet work without JavaScript."""

import re

import pytest
from django.urls import reverse

TEAM = reverse("dashboards:team")


def _picker(body: str, testid: str) -> str:
    return re.search(rf'<form [^>]*data-testid="{testid}".*?</form>', body, re.S).group(0)


def _visible_columns(row: str) -> list[str]:
    return re.findall(r'<td class="text-end(?:(?! d-none)[^"])*" data-group="\w+" data-col="(\w+)"', row)


@pytest.fixture
def team_page(client_as, manager, rep, teammate):
    client = client_as(manager)
    return lambda **query: client.get(TEAM, query).content.decode()


def test_it_shows_the_results_columns_first(team_page, rep):
    body = team_page()
    row = body.split(f'data-rep="{rep.pk}"')[1].split("</tr>")[0]
    assert _visible_columns(row) == ["attainment", "pace", "won_amount", "win_rate", "average_deal"]
    assert 'data-col="calls"' in row  # the other groups are in the row, hidden: CSV and tests read them all
    assert re.search(r'class="nav-link[^"]* active" aria-current="true" href="\?view=results"', body)


def test_it_shows_the_group_the_link_asks_for(team_page, rep):
    body = team_page(view="activity", period="last_month")
    row = body.split(f'data-rep="{rep.pk}"')[1].split("</tr>")[0]
    assert _visible_columns(row)[:3] == ["calls", "emails", "meetings"]
    # Each group's link keeps the period, and the sort headings keep the group.
    assert 'href="?period=last_month&amp;view=pipeline"' in body
    sort_calls = re.search(r'href="\?([^"]*)sort=calls&amp;dir=desc"', body).group(1)
    assert "view=activity" in sort_calls and "period=last_month" in sort_calls


def test_it_falls_back_to_results_for_an_unknown_group(team_page, rep):
    row = team_page(view="nonsense").split(f'data-rep="{rep.pk}"')[1].split("</tr>")[0]
    assert _visible_columns(row)[0] == "attainment"


def test_it_gives_each_rep_a_card_for_phones(team_page, rep, teammate):
    body = team_page(view="pipeline")
    cards = re.findall(r'data-testid="rep-card" data-rep-card="(\d+)"', body)
    assert sorted(cards) == sorted([str(rep.pk), str(teammate.pk)])
    assert 'data-testid="total-card"' in body
    card = body.split(f'data-rep-card="{rep.pk}"')[1].split("</li>")[0]
    assert re.findall(r"<dt[^>]*>([^<]+)</dt>", card) == ["Open pipeline", "Stale", "Cycle (days)"]


def test_the_team_picker_applies_on_change_and_keeps_a_button_for_no_script(team_page):
    form = _picker(team_page(), "dashboard-picker")
    assert "data-apply-on-change" in form and 'hx-get="/team/"' in form
    assert re.search(r'<noscript><div[^>]*><button type="submit"[^>]*>Show</button></div></noscript>', form)
    assert form.count("<button") == 1


def test_the_one_on_one_picker_applies_on_change_and_keeps_a_button_for_no_script(client_as, manager, rep):
    body = client_as(manager).get(reverse("dashboards:one_on_one", args=[rep.pk])).content.decode()
    form = _picker(body, "period-picker")
    assert "data-apply-on-change" in form
    assert re.search(r'<noscript><div[^>]*><button type="submit"[^>]*>Show</button></div></noscript>', form)


def test_the_picker_without_script_still_applies_a_period(team_page):
    assert "Last quarter (" in team_page(period="last_quarter")


# --- counts that follow a quick-log (activities.views.log answers with HX-Trigger: activity-logged) ---

LISTENS = 'hx-trigger="activity-logged from:body"'


def test_the_team_dashboard_renders_itself_again_after_a_quick_log(team_page):
    dashboard = re.search(r'<div id="dashboard"[^>]*>', team_page(period="last_month")).group(0)
    assert LISTENS in dashboard and 'hx-get="/team/?period=last_month"' in dashboard


@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("dashboards:my_week", "my-week-figures"),
        ("activities:list", "kind-counts"),
    ],
)
def test_a_reps_pages_fetch_their_counts_again_after_a_quick_log(client_as, rep, url, part):
    body = client_as(rep).get(reverse(url)).content.decode()
    tag = re.search(rf'<[a-z]+ [^>]*id="{part}"[^>]*>', body).group(0)
    assert LISTENS in tag and f'hx-select="#{part}"' in tag


def test_the_one_on_one_figures_fetch_themselves_again_after_a_quick_log(client_as, manager, rep):
    body = client_as(manager).get(reverse("dashboards:one_on_one", args=[rep.pk])).content.decode()
    tag = re.search(r'<div id="one-on-one-figures"[^>]*>', body).group(0)
    assert LISTENS in tag and 'hx-select="#one-on-one-figures"' in tag
