"""Existing deals get a forecast history from their stage history: a row per stage change, with
the stage, owner and probability of that change and the deal's amount and expected close date
as they are (nothing older was recorded). The category follows each stage's default; the last
row has the deal's own."""

from django.db import migrations

BATCH = 2_000


def backfill(apps, schema_editor):
    Deal = apps.get_model("pipeline", "Deal")
    StageChange = apps.get_model("pipeline", "StageChange")
    DealChange = apps.get_model("pipeline", "DealChange")
    deals = {d.pk: d for d in Deal.objects.only("pk", "amount", "expected_close_date", "forecast_category", "stage_id")}
    rows = []
    history = StageChange.objects.select_related("to_stage").order_by("deal_id", "changed_at", "pk").iterator()
    for change in history:
        deal = deals[change.deal_id]
        last = change.to_stage_id == deal.stage_id
        rows.append(
            DealChange(
                deal_id=change.deal_id,
                changed_at=change.changed_at,
                day=change.day,
                changed_by_id=change.changed_by_id,
                owner_id=change.owner_id,
                stage_id=change.to_stage_id,
                amount=deal.amount,
                probability=change.to_stage.probability,
                expected_close_date=deal.expected_close_date,
                forecast_category=deal.forecast_category if last else change.to_stage.forecast_category,
            )
        )
        if len(rows) >= BATCH:
            DealChange.objects.bulk_create(rows)
            rows = []
    DealChange.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0005_forecast_category_and_deal_changes")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
