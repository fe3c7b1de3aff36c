"""A contact's or company's time zone change moves its activities between hours of the best-time
rollup: the days of those activities are marked dirty (activity scope), in the writer's
transaction, like every other write (``dashboards/receivers.py``). Connected in
``InsightsConfig.ready``."""

from django.db.models.signals import post_save, pre_save

from activities.models import Activity
from dashboards.marks import mark_days
from dashboards.models import Scope
from pipeline.models import Company, Contact


def _zone_before(sender, instance, **kwargs):
    if instance.pk is None:
        instance._zone_before = None  # a new row has no activities yet
    else:
        instance._zone_before = sender.objects.filter(pk=instance.pk).values_list("time_zone", flat=True).first()


def _mark_if_moved(link: str):
    def receiver(sender, instance, **kwargs):
        before = getattr(instance, "_zone_before", None)
        if before is not None and before != instance.time_zone:
            days = Activity.objects.filter(**{link: instance}).values_list("owner_id", "day").distinct()
            mark_days(Scope.ACTIVITY, days)

    return receiver


contact_zone_changed = _mark_if_moved("contact")
# Only the activities linked to the company: an activity of one of its contacts reads the
# company's zone through the activity's own company, which the quick-log fills from the contact.
company_zone_changed = _mark_if_moved("company")


def connect() -> None:
    for model, receiver in ((Contact, contact_zone_changed), (Company, company_zone_changed)):
        pre_save.connect(_zone_before, sender=model, weak=False, dispatch_uid=f"insights-zone-before-{model.__name__}")
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"insights-zone-after-{model.__name__}")
