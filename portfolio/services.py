"""Account assignment writes (docs/metrics.md "Account coverage")."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from pipeline.models import Company

from .models import AccountAssignment
from .selectors import assignable_companies, assignable_reps


@transaction.atomic
def accounts_assign(*, companies: list[Company], rep: User, by: User) -> int:
    """Assign ``companies`` to ``rep``; how many changed hands. A company assigned to its own owner
    keeps no assignment row, so it follows its owner again. Refused (PermissionDenied) unless ``by``
    may assign each company and may assign to ``rep`` (``assignable_companies``, ``assignable_reps``)."""
    ids = {company.pk for company in companies}
    allowed = set(assignable_companies(by).filter(pk__in=ids).values_list("pk", flat=True))
    if allowed != ids or not assignable_reps(by).filter(pk=rep.pk).exists():
        raise PermissionDenied
    current = dict(Company.objects.filter(pk__in=ids).values_list("pk", "owner_id"))
    before = dict(AccountAssignment.objects.filter(company_id__in=ids).values_list("company_id", "rep_id"))
    changed = [pk for pk in ids if before.get(pk, current[pk]) != rep.pk]
    AccountAssignment.objects.filter(company_id__in=changed).delete()
    AccountAssignment.objects.bulk_create(
        [
            AccountAssignment(company_id=pk, rep=rep, assigned_by=by, assigned_at=timezone.now())
            for pk in changed
            if current[pk] != rep.pk
        ]
    )
    return len(changed)
