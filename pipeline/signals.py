"""Signals for writes that bypass ``Model.save`` (bulk writes), so other apps can follow them."""

from django.dispatch import Signal

# Sent after a pipeline's stages were put in a new order, inside the writer's
# transaction, with ``pipeline``.
stages_reordered = Signal()
