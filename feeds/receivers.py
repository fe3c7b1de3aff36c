"""Every save of a meeting or demo raises its revision (``EventRevision``): created, 0; each change, +1."""

from django.db.models import F
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from activities.models import MEETING_KINDS, Activity

from .models import EventRevision


@receiver(post_save, sender=Activity, dispatch_uid="feeds-event-revision")
def activity_saved(sender, instance: Activity, created: bool, raw: bool = False, **kwargs):
    if raw:
        return
    now = timezone.now()
    if created:
        if instance.kind in MEETING_KINDS:
            EventRevision.objects.create(activity=instance, modified_at=now)
        return
    # An activity changed into or out of a meeting keeps counting, so its SEQUENCE never goes back.
    updated = EventRevision.objects.filter(activity=instance).update(sequence=F("sequence") + 1, modified_at=now)
    if not updated:
        EventRevision.objects.create(activity=instance, sequence=1, modified_at=now)
