"""Helpers of the settings area's tests: stage orders and ids, what a write could touch, the stage form."""

from pipeline.models import Competitor, Deal, LeadSource, LostReason, Pipeline, Stage, StageChange, StageKind
from tests.factories import stage


def _order(pipeline):
    return list(pipeline.stages.current().values_list("name", flat=True))


def _ids(pipeline, *names):
    return [stage(pipeline, name).pk for name in names]


def _snapshot():
    """Every row the settings area could change, to show that a refusal changed nothing."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (Pipeline, Stage, Deal, StageChange, LeadSource, Competitor, LostReason)
    ]


def _stage_data(**overrides):
    data = {"name": "Negotiation", "kind": StageKind.OPEN, "probability": "80", "rotting_days": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
