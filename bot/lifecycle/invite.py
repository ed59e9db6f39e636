"""A booked session as a calendar invite: an .ics file, and links that open it in Google Calendar or Outlook."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress

PRODID = "-//Passerelle//Reverse mentoring//EN"
REMINDER = timedelta(minutes=15)
PEOPLE = uuid.uuid5(uuid.NAMESPACE_DNS, "attendees.passerelle.invalid")  # the namespace of attendees without address
GOOGLE = "https://calendar.google.com/calendar/render"
# Outlook on the web for work and school accounts, the ones Teams signs in with; personal accounts use outlook.live.com.
OUTLOOK = "https://outlook.office.com/calendar/0/deeplink/compose"
# What every browser and mail client opens whole; a longer address is cut somewhere, and a cut link opens nothing.
LINK_LENGTH = 2000


@dataclass(frozen=True)
class Attendee:
    name: str
    address: str | None  # an e-mail address when the platform gave one, else None


@dataclass(frozen=True)
class Invite:
    uid: str  # stable for the session across reschedules, unique across instances
    sequence: int  # raised on each change: a reschedule, a cancellation
    starts: datetime  # aware
    timezone: str  # the IANA name the time was chosen in, e.g. "Europe/Paris"
    title: str  # already translated
    description: str  # already translated, plain text
    location: str  # "" when none; a place or a video link
    attendees: tuple[Attendee, ...]
    stamp: datetime  # when this version of the invite was issued, aware
    minutes: int = 60
    cancelled: bool = False

    def __post_init__(self) -> None:
        if self.starts.utcoffset() is None or self.stamp.utcoffset() is None:
            raise ValueError("an invite's times must be aware")
        ZoneInfo(self.timezone)  # an unknown name raises ZoneInfoNotFoundError here, not when the file is written

    @property
    def start(self) -> datetime:
        """The start as the wall time of the invite's own time zone."""
        return self.starts.astimezone(ZoneInfo(self.timezone))

    @property
    def end(self) -> datetime:
        # Added in UTC: an aware datetime plus a timedelta moves the wall clock, wrong across a change of offset.
        return (self.starts.astimezone(UTC) + timedelta(minutes=self.minutes)).astimezone(ZoneInfo(self.timezone))


def ics(invite: Invite) -> bytes:
    """The .ics file of the invite (RFC 5545): the session, the time zone it was chosen in, who takes part."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # No METHOD: a file to add to one's calendar, not an iTIP message (RFC 5546), which would need an ORGANIZER the
    # bot has no calendar address to be, and no ATTENDEE in a PUBLISH. Imported again, the same UID with a higher
    # SEQUENCE replaces the event; STATUS says when it was cancelled.
    calendar.add_component(vtimezone(invite))
    calendar.add_component(event(invite))
    written: bytes = calendar.to_ical()  # folded at 75 octets, CRLF, text escaped: the library's work
    return written


def vtimezone(invite: Invite) -> Timezone:
    # A few years around the session, so that a session moved by hand in a calendar keeps its offsets; the library's
    # default span, 1970 to 2038, is long to write and ends too soon. Unknown names raise, never go silently missing.
    return Timezone.from_tzid(
        invite.timezone,
        first_date=date(invite.start.year - 1, 1, 1),
        last_date=date(invite.end.year + 2, 1, 1),
    )


def event(invite: Invite) -> Event:
    session = Event()
    session.add("uid", invite.uid)
    session.add("dtstamp", invite.stamp.astimezone(UTC))
    session.add("sequence", invite.sequence)
    session.add("dtstart", _written_start(invite))
    # A length rather than an end: an end's wall time in the hour that a change back to winter time repeats reads as
    # its first occurrence (RFC 5545, 3.3.5), which made a session across the change last no time at all.
    session.add("duration", timedelta(minutes=invite.minutes))
    session.add("summary", invite.title)
    session.add("description", invite.description)
    if invite.location:
        session.add("location", invite.location)
    session.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    for person in invite.attendees:
        session.add("attendee", address(invite, person))
    if not invite.cancelled:
        session.add_component(reminder(invite))
    return session


def _written_start(invite: Invite) -> datetime:
    """The start in its zone; in UTC in the one case a wall time cannot say it: the second pass of a repeated hour."""
    start = invite.start
    repeated = start.replace(fold=0).utcoffset() != start.replace(fold=1).utcoffset()
    return start.astimezone(UTC) if repeated and start.fold else start


def address(invite: Invite, person: Attendee) -> vCalAddress:
    # A CAL-ADDRESS is any URI (RFC 5545, 3.3.3), mailto: when it is an e-mail address. Without one, a urn:uuid names
    # the person within this session and reaches no one: no calendar can write to it, and no e-mail address is
    # guessed. It comes from the session and the name, so a reschedule lists the same attendee.
    if person.address:
        attendee = vCalAddress(f"mailto:{person.address}")
    else:
        attendee = vCalAddress(uuid.uuid5(PEOPLE, f"{invite.uid}\n{person.name}").urn)
    attendee.params["CN"] = person.name
    return attendee


def reminder(invite: Invite) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", invite.title)  # a DISPLAY alarm must say something (RFC 5545, 3.6.6)
    alarm.add("trigger", -REMINDER)
    return alarm


def google_link(invite: Invite) -> str:
    """A link that opens the session, filled in, in Google Calendar; the times are UTC and `ctz` shows them in the
    session's own time zone."""
    times = "/".join(moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") for moment in (invite.start, invite.end))
    place = {"location": invite.location} if invite.location else {}

    def made(details: str) -> str:
        query = {"action": "TEMPLATE", "text": invite.title, "dates": times, "details": details}
        return link(GOOGLE, query | place | {"ctz": invite.timezone})

    return _within(made, invite.description)


def outlook_link(invite: Invite) -> str:
    """A link that opens the session, filled in, in Outlook on the web; the times are ISO 8601 with their offset."""
    place = {"location": invite.location} if invite.location else {}

    def made(body: str) -> str:
        query = {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": invite.title,
            "startdt": invite.start.isoformat(),
            "enddt": invite.end.isoformat(),
            "body": body,
        }
        return link(OUTLOOK, query | place)

    return _within(made, invite.description)


def _within(made: Callable[[str], str], description: str) -> str:
    """The link with as much of the description as keeps it within LINK_LENGTH; the .ics carries all of it."""
    whole = made(description)
    if len(whole) <= LINK_LENGTH:
        return whole
    kept, over = 0, len(description)  # the longest start of the description that fits, found by halves
    while kept < over:
        middle = (kept + over + 1) // 2
        if len(made(description[:middle].rstrip() + "…")) <= LINK_LENGTH:
            kept = middle
        else:
            over = middle - 1
    return made(description[:kept].rstrip() + "…" if kept else "")


def link(base: str, query: dict[str, str]) -> str:
    # Every reserved character percent-encoded, a space as %20: a "+" of an offset or a title is never read as a space.
    return f"{base}?{urlencode(query, quote_via=quote)}"
