"""A contact or deal that moves to another company moves the touches of its activities that
name no company of their own (their account is the contact's or the deal's company): their
owners' days are marked dirty, in the writer's transaction. Connected in ``PortfolioConfig.ready``."""

from django.db.models.signals import post_save, pre_save

from activities.models import Activity
from dashboards.marks import mark_days
from dashboards.models import Scope
from pipeline.models import Contact, Deal


def _company_before(sender, instance, **kwargs):
    instance._portfolio_company_before = (
        None
        if instance.pk is None
        else sender.objects.filter(pk=instance.pk).values_list("company_id", flat=True).first()
    )


def _mark_moved(field: str):
    def receiver(sender, instance, created, **kwargs):
        if created or getattr(instance, "_portfolio_company_before", None) == instance.company_id:
            return
        activities = Activity.objects.filter(**{field: instance.pk}, company__isnull=True)
        mark_days(Scope.ACTIVITY, activities.values_list("owner_id", "day"))

    receiver.__name__ = f"{field}_moved"
    return receiver


def connect() -> None:
    for model, field in ((Contact, "contact"), (Deal, "deal")):
        pre_save.connect(_company_before, sender=model, weak=False, dispatch_uid=f"portfolio-{field}-before")
        post_save.connect(_mark_moved(field), sender=model, weak=False, dispatch_uid=f"portfolio-{field}-moved")
