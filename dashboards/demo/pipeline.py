"""Demo pipeline data for `manage.py seed_demo`: lists, two pipelines, an
address book, and a year of deals per rep whose stage histories differ by
rep (conversion, speed, deal size), with some stale and some lost to
competitors, and whose forecast categories and close dates each rep keeps
by their forecasting habit (``dashboards/demo/forecast.py``). Written through
the services, so the history is what real use would leave."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Territory
from dashboards.demo import forecast
from dashboards.demo.locales import DemoLocale
from pipeline import services
from pipeline.models import (
    Company,
    Competitor,
    Contact,
    DealType,
    ForecastCategory,
    LeadSource,
    LostReason,
    Pipeline,
    Segment,
    Stage,
    StageKind,
)

# key, probability, kind, opportunity, rotting days; each stage named in the demo's language (locales.py)
NEW_BUSINESS = [
    ("lead", 10, StageKind.OPEN, False, None),
    ("qualified", 25, StageKind.OPEN, True, 21),
    ("demo", 50, StageKind.OPEN, False, None),
    ("proposal", 70, StageKind.OPEN, False, 14),
    ("negotiation", 85, StageKind.OPEN, False, None),
    ("won", 100, StageKind.WON, False, None),
    ("lost", 0, StageKind.LOST, False, None),
]
RENEWALS = [
    ("upcoming", 60, StageKind.OPEN, False, None),
    ("in_talks", 80, StageKind.OPEN, True, 30),
    ("renewed", 100, StageKind.WON, False, None),
    ("churned", 0, StageKind.LOST, False, None),
]
# Real area codes with the exchange 555 and lines 0100-0199, which North America keeps for fiction:
# valid E.164 numbers that ring no one.
AREA_CODES = ["212", "312", "415", "512", "617", "206"]

# Per-rep habits: chance to advance from each open stage, mean days per stage, typical deal size.
HABITS = {
    "rep": (0.72, 6, 18000),
    "sam": (0.64, 9, 26000),
    "jordan": (0.55, 12, 14000),
    "taylor": (0.78, 5, 9000),
    "casey": (0.60, 8, 32000),
    "riley": (0.68, 10, 12000),
    "jamie": (0.50, 15, 22000),
    "drew": (0.66, 7, 16000),
}
DEALS_PER_REP = 36


def seed_pipeline_demo(*, users: dict, rng: random.Random, words: DemoLocale) -> None:
    sources = [LeadSource.objects.create(name=n) for n in words.lead_sources]
    competitors = [Competitor.objects.create(name=n) for n in words.competitors]
    reasons = [LostReason.objects.create(name=n) for n in words.lost_reasons]
    new_business = _pipeline(words.pipelines["new_business"], NEW_BUSINESS, words=words)
    _pipeline(words.pipelines["renewals"], RENEWALS, words=words)
    companies = _address_book(users=users, sources=sources, rng=rng, words=words)
    now = timezone.now()
    # A stream of its own: the forecast habits leave the deals' and the activity's draws as they were.
    forecast_rng = random.Random(21)
    for username, (advance, mean_days, size) in HABITS.items():
        owner = users[username]
        own = [c for c in companies if c.owner_id == owner.pk] or companies
        for _ in range(DEALS_PER_REP):
            _deal_with_history(
                owner=owner,
                company=rng.choice(own),
                pipeline=new_business,
                habits=(advance, mean_days, size),
                sources=sources,
                competitors=competitors,
                reasons=reasons,
                # A year of history, with a busier recent quarter so boards have open deals.
                start=now - timedelta(days=rng.uniform(1, 365) if rng.random() < 0.7 else rng.uniform(1, 75)),
                rng=rng,
                forecast_habit=forecast.habit_of(username),
                forecast_rng=forecast_rng,
                words=words,
            )


def _pipeline(name: str, stages, *, words: DemoLocale) -> Pipeline:
    pipeline = services.pipeline_save(pipeline=Pipeline(name=name))
    for order, (key, probability, kind, opportunity, rotting) in enumerate(stages, start=1):
        services.stage_save(
            stage=Stage(
                pipeline=pipeline,
                name=words.stages[key],
                order=order,
                probability=probability,
                kind=kind,
                is_opportunity=opportunity,
                rotting_days=rotting,
                forecast_category=forecast.STAGE_CATEGORIES.get(key, ForecastCategory.PIPELINE),
            )
        )
    return pipeline


def _address_book(*, users: dict, sources, rng: random.Random, words: DemoLocale) -> list[Company]:
    territories = list(Territory.objects.all())
    reps = [users[name] for name in HABITS]
    companies = []
    for index in range(48):
        owner = reps[index % len(reps)]
        domain = words.slug(words.company_words[index % len(words.company_words)])
        company = services.company_save(
            company=Company(
                name=words.company_name(index),
                segment=rng.choice(Segment.values),
                territory=owner.territory or rng.choice(territories),
                employees=rng.choice([12, 45, 180, 600, 2500, 12000]),
                is_customer=rng.random() < 0.3,
                owner=owner,
            )
        )
        companies.append(company)
        for _ in range(rng.randint(1, 3)):
            first, last = rng.choice(words.first_names), rng.choice(words.last_names)
            services.contact_save(
                contact=Contact(
                    company=company,
                    first_name=first,
                    last_name=last,
                    title=rng.choice(words.titles),
                    email=f"{words.slug(first)}.{words.slug(last)}@{domain}.example",
                    # The same two draws as before, so the rest of the demo's story is unchanged.
                    phone=_fictional_phone(rng.randint(100, 999), rng.randint(1000, 9999)),
                    is_decision_maker=rng.random() < 0.35,
                    lead_source=rng.choice(sources),
                    owner=owner,
                )
            )
    return companies


def _fictional_phone(area: int, line: int) -> str:
    return f"+1{AREA_CODES[area % len(AREA_CODES)]}55501{line % 100:02d}"


def _deal_with_history(
    *, owner, company, pipeline, habits, sources, competitors, reasons, start, rng, forecast_habit, forecast_rng, words
):
    advance, mean_days, size = habits
    stages = list(pipeline.stages.current())
    open_stages = [s for s in stages if s.kind == StageKind.OPEN]
    won = next(s for s in stages if s.kind == StageKind.WON)
    lost = next(s for s in stages if s.kind == StageKind.LOST)
    now = timezone.now()
    contact = company.contacts.first()
    details = {
        "title": words.deal_title.format(company=company.name, plan=rng.choice(words.plans)),
        "amount": Decimal(round(rng.lognormvariate(0, 0.5) * size * words.money, -2)),
        "deal_type": DealType.NEW_BUSINESS
        if not company.is_customer
        else rng.choice([DealType.EXPANSION, DealType.RENEWAL]),
        "lead_source": rng.choice(sources),
    }
    # The whole story first, then written: the accurate rep's forecast knows how the deal ends.
    moves = []  # (when, stage, its position among the open stages or None, closing details)
    at = start
    position = 0
    while True:
        at += timedelta(days=rng.expovariate(1 / mean_days))
        if at >= now:
            break  # still sitting in this stage today (some of these are stale)
        # Later stages convert better; occasionally a deal skips a stage.
        if rng.random() < min(0.95, advance + 0.07 * position):
            position += 2 if rng.random() < 0.08 and position + 2 < len(open_stages) else 1
            if position >= len(open_stages):
                moves.append((at, won, None, {"closed_on": timezone.localdate(at)}))
                break
            moves.append((at, open_stages[position], position, {}))
        else:
            closing = {"closed_on": timezone.localdate(at), "lost_reason": rng.choice(reasons)}
            closing["competitor"] = rng.choice(competitors) if rng.random() < 0.4 else None
            moves.append((at, lost, None, closing))
            break
    ending = moves[-1] if moves and moves[-1][1].is_closed else None
    forecaster = forecast.DealForecaster(
        habit=forecast_habit,
        rng=forecast_rng,
        last=start,
        outcome=ending and (ending[1].kind, ending[3]["closed_on"]),
    )
    deal = services.deal_create(
        by=owner,
        company=company,
        contact=contact,
        owner=owner,
        pipeline=pipeline,
        stage=open_stages[0],
        created_at=start,
        **details,
        **forecaster.first_forecast(start=start, typical_days=mean_days * len(open_stages)),
    )
    forecaster.deal = deal
    for at, stage, position, closing in moves:
        forecaster.pass_time(until=at)
        services.deal_move(deal=deal, to_stage=stage, by=owner, at=at, **closing)
        if position is not None:
            forecaster.entered(position=position, at=at)
    forecaster.pass_time(until=now)
