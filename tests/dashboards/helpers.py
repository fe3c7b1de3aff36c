"""Data the dashboards' tests share: the pipeline whose Demo stage goes stale after a week, and the
demo deal stuck in it."""

from datetime import timedelta

from tests.factories import make_deal, make_pipeline, stage
from tests.helpers import NOW


def pipeline_with_stale_demos():
    """The standard pipeline, its Demo stage stale after 7 days."""
    pipeline = make_pipeline()
    demo = stage(pipeline, "Demo")
    demo.rotting_days = 7
    demo.save()
    return pipeline


def stuck_demo(owner, pipeline):
    """A 10,000 deal sitting in Demo for 10 days (at ``NOW``): stale."""
    return make_deal(
        owner=owner,
        pipeline=pipeline,
        stage_name="Demo",
        amount="10000",
        title="Stuck demo",
        created_at=NOW - timedelta(days=10),
    )
