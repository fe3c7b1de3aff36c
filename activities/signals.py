"""Signals for writes that bypass ``Model.save`` (bulk writes), so other apps can follow them."""

from django.dispatch import Signal

# Sent after ``Activity.objects.bulk_create``, inside the writer's transaction,
# with ``activities``: the rows written.
activities_created = Signal()
