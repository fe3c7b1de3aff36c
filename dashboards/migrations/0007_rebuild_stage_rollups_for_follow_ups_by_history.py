"""Follow-ups now count against the stage their deal sat in when they happened, found from the
stage history (docs/metrics.md, "Pipeline"), no longer against a stage stored when they were
logged: stored stage figures computed the old way are asked to be rebuilt by the next drain."""

from django.db import migrations


def ask_for_a_rebuild(apps, schema_editor):
    StageRollup = apps.get_model("dashboards", "StageRollup")
    DirtyMark = apps.get_model("dashboards", "DirtyMark")
    if StageRollup.objects.exists():  # figures were computed the old way (a new database has none)
        DirtyMark.objects.create(scope="all")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0006_dirty_mark_failures"),
        ("activities", "0007_activity_stage_from_history"),
    ]

    operations = [migrations.RunPython(ask_for_a_rebuild, migrations.RunPython.noop)]
