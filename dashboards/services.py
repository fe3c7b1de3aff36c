"""Writes of the one-on-one page: notes, action items, and closing a one-on-one.

Every write is the viewer's own: a manager (or admin) writes to *their* open
one-on-one with a rep, which is created on the first write, never on a page
view. Who may write about which rep is decided by the view's access helper;
these functions also refuse a rep outright, so no path lets a rep write notes.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from .forms_period import DateRange
from .models import ActionItem, OneOnOne
from .selectors import one_on_one as one_on_one_reads


def _check_keeper(by: User) -> None:
    if by.is_rep:
        raise PermissionDenied("reps keep no one-on-one notes")


def one_on_one_open(*, rep: User, by: User) -> OneOnOne:
    """The open one-on-one of ``by`` with ``rep``, created when there is none (one per pair at a time).

    Two first writes at once both try to create it; the unique constraint lets one
    win and the other reads the winner's row."""
    _check_keeper(by)
    found = OneOnOne.objects.open().filter(rep=rep, manager=by).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return OneOnOne.objects.create(rep=rep, manager=by, opened_on=timezone.localdate())
    except IntegrityError:
        return OneOnOne.objects.open().get(rep=rep, manager=by)


@transaction.atomic
def one_on_one_notes_save(*, rep: User, by: User, notes: str) -> OneOnOne:
    """Replace the notes of ``by``'s open one-on-one with ``rep``."""
    meeting = one_on_one_open(rep=rep, by=by)
    meeting.notes = notes.strip()
    meeting.full_clean()
    meeting.save(update_fields=["notes"])
    return meeting


@transaction.atomic
def action_item_add(*, rep: User, by: User, text: str) -> ActionItem:
    """Add an action item to ``by``'s open one-on-one with ``rep``."""
    meeting = one_on_one_open(rep=rep, by=by)
    item = ActionItem(one_on_one=meeting, text=text.strip(), created_at=timezone.now())
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def action_item_complete(*, item: ActionItem, by: User, done: bool = True) -> ActionItem:
    """Tick (or untick) an action item of any one-on-one ``by`` keeps, open or closed: items carry over
    from one meeting to the next until done."""
    _check_keeper(by)
    if not by.is_admin and item.one_on_one.manager_id != by.pk:
        raise PermissionDenied("not your one-on-one")
    item.done = done
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done", "done_at"])
    return item


@transaction.atomic
def one_on_one_close(*, rep: User, by: User, date_range: DateRange, today: date) -> OneOnOne:
    """Close ``by``'s open one-on-one with ``rep`` (opening one first if there is none), freezing the
    rep's figures for ``date_range`` as they stand today as JSON next to the notes
    (``one_on_one_reads.snapshot_figures``). The next one-on-one opens on the next write."""
    meeting = one_on_one_open(rep=rep, by=by)
    meeting = OneOnOne.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.is_open:  # closed by a concurrent request: nothing to do twice
        return meeting
    meeting.snapshot = one_on_one_reads.snapshot_figures(rep=rep, date_range=date_range, today=today)
    meeting.closed_at = timezone.now()
    meeting.save(update_fields=["snapshot", "closed_at"])
    return meeting
