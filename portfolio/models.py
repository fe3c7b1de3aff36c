"""Account coverage: who covers which company, and the rollup of every touch on an account
(docs/metrics.md "Account coverage")."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

User = settings.AUTH_USER_MODEL


class AccountAssignment(models.Model):
    """A company assigned to a rep by an admin or a manager; a company without one is its owner's."""

    company = models.OneToOneField(
        "pipeline.Company", on_delete=models.CASCADE, related_name="assignment", verbose_name=_("company")
    )
    rep = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assigned_accounts", verbose_name=_("rep"))
    assigned_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("assigned by")
    )
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        verbose_name = _("account assignment")
        verbose_name_plural = _("account assignments")
        indexes = [models.Index(fields=["rep"], name="account_assignment_rep")]

    def __str__(self):
        return f"{self.company_id} → {self.rep_id}"


class AccountTouch(models.Model):
    """One rep's activities on one account on one day (a rollup, ``portfolio/rollup.py``).

    An activity's account is its company, else its contact's company, else its deal's company;
    the rep is the activity's owner, the day its local day.
    """

    # No index of its own: the table's key index starts with the rep.
    rep = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    day = models.DateField()
    company_id = models.IntegerField()
    touches = models.IntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rep", "day", "company_id"], name="account_touch_unique")]
        # Coverage and the last touch read an account's days, whoever touched it (PostgreSQL: index-only).
        indexes = [
            models.Index(fields=["company_id", "day"], include=["rep", "touches"], name="account_touch_company_day")
        ]

    def __str__(self):
        return f"{self.rep_id} {self.day} company {self.company_id}"
