"""The trends' demo stories for `manage.py seed_demo`.

Early warnings: Taylor's calls, emails and meetings dropped last week. From last week's Monday on,
only one in ten of them is kept, so on any day of this week the last two weeks fall well below 60% of
Taylor's own eight weeks before, and the team dashboard and Taylor's one-on-one page flag it. Taylor
has no ramped goal: judged on history.

Called by ``dashboards.demo.activities`` on the rows it built, before their one bulk insert, so it
costs the seed nothing but a pass over the list.

Growth and retention: ``seed_earlier_year``, called by ``seed_demo`` once the demo's own deals and
activity are in (so their stories stay as they were) and before the forecast calls (whose roll-ups
count its wins), adds the year of won deals before the demo's one, so the page compares each rep with
a year earlier (the busiest rep of each team well up, Taylor down) and finds customers that expanded,
contracted and churned, and new ones. Each earlier deal closes in the forecast category its owner's
habit gives (``dashboards/demo/forecast.py``): the sandbagger's a year back were sandbagged too."""

import random
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities.models import MEETING_KINDS, Activity, Kind
from dashboards.demo.locales import DemoLocale
from pipeline import services
from pipeline.models import Company, Deal, DealType, StageKind

DROPPED_REP = "taylor"
DROPPED_KINDS = frozenset({Kind.CALL, Kind.EMAIL, *MEETING_KINDS})
KEPT_SHARE = 0.1


def with_activity_drop(rows: list[Activity], *, today: date) -> list[Activity]:
    """``rows`` without nine in ten of the dropped rep's calls, emails and meetings since last week's Monday."""
    since = today - timedelta(days=today.weekday() + 7)
    # A generator of its own: the demo's shared one then draws the same numbers as without this story.
    rng = random.Random(22)
    return [
        row
        for row in rows
        if not (
            row.owner.username == DROPPED_REP
            and row.day >= since
            and row.kind in DROPPED_KINDS
            and rng.random() >= KEPT_SHARE
        )
    ]


# --- growth and retention ------------------------------------------------------------------
# The demo's deals go back one year; this gives it the year before, so growth and revenue retention
# have a year-earlier figure. Each deal won in the twelve months ending last month is mirrored by
# one won on the same company a year earlier, its amount scaled by the company's story:

UP_SCALE = (0.45, 0.6)  # the busiest rep of each team last month: their customers expanded, well up
DOWN_SCALE = (1.25, 1.5)  # Taylor (whose activity dropped): every customer bought less this year
MIXED_SCALES = ((0.55, 0.85), (1.05, 1.25))  # everyone else's customers: expanded or contracted
NEW_SHARE = 0.25  # of everyone else's customers: none a year earlier, new this year
STAGE_DAYS = 6  # between an earlier deal's stages


def seed_earlier_year(*, words: DemoLocale) -> None:
    """The won deals of the year before the demo's year, through the pipeline services (stage history,
    changes and close dates as real use would leave them)."""
    start = demo_year_start(timezone.localdate())
    end = timezone.localdate().replace(day=1) - timedelta(days=1)  # the last closed month's last day
    won = list(
        Deal.objects.filter(stage__kind=StageKind.WON, closed_on__range=(start, end))
        .select_related("company", "owner__team", "pipeline")
        .order_by("closed_on", "pk")
    )
    if not won:
        return
    # A generator of its own: the demo's other stories draw the same numbers as without this one.
    rng = random.Random(23)
    taylor = User.objects.get(username=DROPPED_REP)
    up_reps = _busiest_rep_of_each_team(won, since=end.replace(day=1))
    scales = {}
    for company in sorted({deal.company for deal in won}, key=lambda c: c.pk):
        if company.owner_id in up_reps:
            scales[company.pk] = rng.uniform(*UP_SCALE)
        elif company.owner_id == taylor.pk:
            scales[company.pk] = rng.uniform(*DOWN_SCALE)
        elif rng.random() < NEW_SHARE:
            scales[company.pk] = None
        else:
            scales[company.pk] = rng.uniform(*rng.choice(MIXED_SCALES))
    # A deal that mirrors none closes in the category its owner's deals most often closed in this year.
    habitual = {
        owner_id: Counter(categories).most_common(1)[0][0] for owner_id, categories in _closing_categories(won).items()
    }
    for deal in won:
        scale = scales[deal.company_id]
        if scale is not None:
            amount = Decimal(round(float(deal.amount) * scale, -2))
            closed_on = a_year_before(deal.closed_on)
            _won_deal(deal.company, deal.owner, deal.pipeline, amount, closed_on, deal.title, deal.forecast_category)
    # Taylor's month a year earlier had a win even when this month's has none: Taylor reads down.
    month_before = a_year_before(end.replace(day=1))
    taylor_won = [deal for deal in won if deal.owner_id == taylor.pk and deal.closed_on >= end.replace(day=1)]
    pipeline = won[0].pipeline
    if not taylor_won:
        company = Company.objects.filter(owner=taylor).order_by("pk").first()
        if company:
            day = month_before + timedelta(days=9)
            _won_deal(company, taylor, pipeline, words.amount(12000), day, None, habitual.get(taylor.pk))
    # Churned: won a year earlier, nothing since; kept out of the compared month so growth reads as above.
    idle = defaultdict(list)
    companies = Company.objects.filter(owner__isnull=False).exclude(pk__in=scales.keys()).select_related("owner")
    for company in companies.order_by("pk"):
        idle[company.owner.team_id].append(company)
    for team_companies in idle.values():
        # Every other one of each team's, not a random half: each team's page has churned customers.
        for company in team_companies[::2]:
            day = a_year_before(start) + timedelta(days=rng.randint(0, 300))
            amount = Decimal(round(rng.lognormvariate(0, 0.4) * 15000 * words.money, -2))
            _won_deal(company, company.owner, pipeline, amount, day, None, habitual.get(company.owner_id))


def _busiest_rep_of_each_team(won: list[Deal], *, since: date) -> set[int]:
    """The rep (not the dropped one) of each team with the most won revenue from ``since`` on."""
    revenue: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for deal in won:
        if deal.closed_on >= since and deal.owner.team_id and deal.owner.username != DROPPED_REP:
            revenue[deal.owner.team_id][deal.owner_id] += deal.amount
    return {max(reps, key=reps.get) for reps in revenue.values()}


def _closing_categories(won: list[Deal]) -> dict[int, list[str]]:
    """Per owner id, the forecast categories their won deals closed in."""
    categories: dict[int, list[str]] = defaultdict(list)
    for deal in won:
        categories[deal.owner_id].append(deal.forecast_category)
    return categories


def _won_deal(
    company, owner, pipeline, amount: Decimal, closed_on: date, title: str | None, category: str | None
) -> None:
    """A deal created ``STAGE_DAYS`` before each open stage and won on ``closed_on``, at noon, closing
    in ``category`` (None: the last open stage's default)."""
    stages = list(pipeline.stages.current())
    open_stages = [stage for stage in stages if stage.kind == StageKind.OPEN]
    won = next(stage for stage in stages if stage.kind == StageKind.WON)
    noon = timezone.make_aware(datetime.combine(closed_on, time(12)))
    at = noon - timedelta(days=STAGE_DAYS * len(open_stages))
    deal = services.deal_create(
        by=owner,
        title=title or _("%(company)s: Team plan") % {"company": company.name},
        company=company,
        contact=company.contacts.first(),
        owner=owner,
        pipeline=pipeline,
        stage=open_stages[0],
        amount=amount,
        deal_type=DealType.NEW_BUSINESS,
        expected_close_date=closed_on,
        created_at=at,
    )
    for stage in open_stages[1:]:
        at += timedelta(days=STAGE_DAYS)
        services.deal_move(deal=deal, to_stage=stage, by=owner, at=at)
    if category and category != deal.forecast_category:
        # As the forecast demo's reps do: set at the move's moment, after the stage's default.
        services.deal_update(deal=deal, by=owner, at=at, forecast_category=category)
    services.deal_move(deal=deal, to_stage=won, by=owner, at=noon, closed_on=closed_on)


def demo_year_start(today: date) -> date:
    """The first day of the twelve months of the demo's own deals that the earlier year mirrors (this
    month's first, a year back): every earlier deal closed before it; the demo's own began on or after it."""
    return a_year_before(today.replace(day=1))


def a_year_before(day: date) -> date:
    """The same day a year earlier; 29 February becomes the 28th."""
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)
