"""The weekly forecast snapshots (dashboards.ForecastWeek); a database that already has figures
asks the next drain for a rebuild, which fills them from the deals' history."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def ask_for_a_rebuild(apps, schema_editor):
    if apps.get_model("dashboards", "StageRollup").objects.exists():  # a new database has none
        apps.get_model("dashboards", "DirtyMark").objects.create(scope="all")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0008_closed_day_by_stage"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ForecastWeek",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("week_start", models.DateField()),
                ("period_kind", models.CharField(max_length=8)),
                ("period_start", models.DateField()),
                ("category", models.CharField(max_length=16)),
                ("deals", models.IntegerField(default=0)),
                ("amount", models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ("weighted", models.DecimalField(decimal_places=4, default=0, max_digits=18)),
                ("computed_at", models.DateTimeField()),
                (
                    "rep",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["period_kind", "period_start", "rep"], name="forecast_week_period")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("rep", "week_start", "period_kind", "period_start", "category"),
                        name="forecast_week_unique",
                    )
                ],
            },
        ),
        migrations.RunPython(ask_for_a_rebuild, migrations.RunPython.noop),
    ]
