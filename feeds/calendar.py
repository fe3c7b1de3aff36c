"""A rep's meetings and demos as an iCalendar feed (RFC 5545), built with ``icalendar``.

Each activity is one VEVENT with a stable UID (``activity-<id>@<host>``), so calendars update
it in place. SEQUENCE and LAST-MODIFIED come from its ``EventRevision``: they rise on every
change. A meeting marked cancelled stays in the feed as STATUS:CANCELLED while it is in the
window, so calendars strike it out; a deleted one is simply gone from the next refresh, and
calendars drop events a feed no longer lists.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from activities.models import MEETING_KINDS, Activity, Kind, Outcome

from .models import EventRevision

# The window: past meetings stay this long (a cancellation is seen, history is not dropped at
# once), future ones this far ahead.
PAST = timedelta(days=30)
AHEAD = timedelta(days=365)
# A meeting logged without a length shows as half an hour.
DEFAULT_MINUTES = 30
PRODID = "-//Sales activity tracker//Calendar feed//EN"


@dataclass(frozen=True)
class FeedWindow:
    start: datetime
    end: datetime

    @classmethod
    def around(cls, now: datetime) -> "FeedWindow":
        return cls(now - PAST, now + AHEAD)


def feed_events(*, user, window: FeedWindow):
    """The user's own meetings and demos in the window, soonest first, with their revision. One query."""
    revisions = EventRevision.objects.filter(activity=OuterRef("pk"))
    return (
        Activity.objects.filter(
            owner=user, kind__in=MEETING_KINDS, occurred_at__gte=window.start, occurred_at__lt=window.end
        )
        .select_related("company", "contact", "deal")
        .annotate(revision=Subquery(revisions.values("sequence")), revised_at=Subquery(revisions.values("modified_at")))
        .order_by("occurred_at", "pk")
    )


def summary(activity: Activity) -> str:
    who = activity.deal or activity.contact or activity.company
    kind = Kind(activity.kind).label
    return _("%(kind)s: %(who)s") % {"kind": kind, "who": who} if who else str(kind)


def calendar_for(*, user, now: datetime, host: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Meetings of %(name)s") % {"name": user})
    for activity in feed_events(user=user, window=FeedWindow.around(now)):
        event = Event()
        event.add("uid", f"activity-{activity.pk}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", activity.occurred_at)
        event.add("dtend", activity.occurred_at + timedelta(minutes=activity.duration_minutes or DEFAULT_MINUTES))
        event.add("summary", summary(activity))
        event.add("sequence", activity.revision or 0)
        event.add("last-modified", activity.revised_at or activity.created_at)
        event.add("status", "CANCELLED" if activity.outcome == Outcome.CANCELLED else "CONFIRMED")
        if activity.notes:
            event.add("description", activity.notes)
        calendar.add_component(event)
    return calendar.to_ical()
