"""The session store (SESSION_ENGINE): Django's database sessions, stamped with the time of sign-in."""

import time

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

SIGNED_IN_AT = "_signed_in_at"
LAST_SEEN_AT = "_last_seen_at"


class SessionStore(DatabaseSessionStore):
    def cycle_key(self):
        """login() cycles the key (so does a password change, which re-authenticates): the timeouts
        of salestracker.security start here, stored with the sign-in's own write rather than by an
        extra one on the first page."""
        super().cycle_key()
        now = int(time.time())
        self[SIGNED_IN_AT] = now
        self[LAST_SEEN_AT] = now
