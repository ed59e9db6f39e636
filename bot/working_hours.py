"""Working hours: when a message the bot sends on its own may reach someone, in their own time zone."""

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from storage.models import Programme

WEEK = range(8)  # days looked ahead: any week with one working day has an opening within them


@dataclass(frozen=True)
class WorkingHours:
    """From `start` to `end` on `days` (0 is Monday), in the wall-clock time of the person's zone; all day long when
    `start` is `end` (a programme with no quiet hours)."""

    start: time = time(9)
    end: time = time(18)
    days: frozenset[int] = frozenset(range(5))

    def open_at(self, moment: datetime, zone: str) -> bool:
        local = moment.astimezone(zone_info(zone))
        if local.weekday() not in self.days:
            return False
        return self.start == self.end or self.start <= local.time().replace(tzinfo=None) < self.end

    def next_open(self, moment: datetime, zone: str) -> datetime:
        """`moment` itself when it is within working hours, else the start of the next working day (in UTC)."""
        if self.open_at(moment, zone):
            return moment
        return min(o for o in self.openings(moment, zone) if o > moment)

    def next_open_before(self, moment: datetime, zone: str, deadline: datetime | None) -> datetime:
        """When a message that loses its point at `deadline` goes: at the next working hours; or, when they come too
        late, at the hours of the deadline's own day even if it is a day off (a session booked on a Saturday is
        reminded that morning). Otherwise the next working hours still, past the deadline: it is dropped, not sent
        at night."""
        opens = self.next_open(moment, zone)
        if deadline is None or opens < deadline:
            return opens
        info = zone_info(zone)
        that_day = WorkingHours(self.start, self.end, frozenset(ALL_WEEK)).next_open(moment, zone)
        same_day = that_day.astimezone(info).date() == deadline.astimezone(info).date()
        return that_day if same_day and that_day < deadline else opens

    def next_day(self, moment: datetime, zone: str) -> datetime:
        """The start of the first working day after the day of `moment` in `zone`: someone reached at `moment` has
        had a day of theirs to answer by then (a message of Friday: Monday morning)."""
        info = zone_info(zone)
        today = moment.astimezone(info).date()
        days = [today + timedelta(days=ahead) for ahead in range(1, 8)]
        day = next((d for d in days if d.weekday() in self.days), days[0])  # a week without a working day: the next
        return _instant(day, self.start, info)

    def openings(self, moment: datetime, zone: str) -> Iterable[datetime]:
        """The start of each working day from the day of `moment` on, for a week, as instants in UTC.

        Each is built from the local date and time, so a daylight-saving change moves the instant, not the wall
        clock: 09:00 in Paris is 08:00 UTC in summer and 09:00 UTC in winter."""
        info = zone_info(zone)
        today = moment.astimezone(info).date()
        for ahead in WEEK:
            day = today + timedelta(days=ahead)
            if day.weekday() in self.days:
                yield _instant(day, self.start, info)

    def morning_of(self, day: date, zone: str) -> datetime:
        """The start of working hours on `day` in `zone`, whether or not it is a working day."""
        return _instant(day, self.start, zone_info(zone))


def next_open_for_all(hours: WorkingHours, moment: datetime, zones: Iterable[str]) -> datetime:
    """The first instant from `moment` within everyone's working hours: a pair's conversation is read by both.

    When their hours never meet (Paris and Los Angeles, 09:00–18:00 each), the first that opens for either."""
    distinct = sorted(set(zones)) or ["UTC"]
    if all(hours.open_at(moment, z) for z in distinct):
        return moment
    # Where everyone's hours overlap, the overlap begins as one of them opens.
    starts = sorted({o for z in distinct for o in hours.openings(moment, z) if o > moment})
    for start in starts:
        if all(hours.open_at(start, z) for z in distinct):
            return start
    return min(hours.next_open(moment, z) for z in distinct)


ALL_WEEK = [0, 1, 2, 3, 4, 5, 6]


def of_programme(programme: Programme) -> WorkingHours:
    """A programme's hours: they run from the end of its quiet hours to their start."""
    days = frozenset(d for d in programme.working_days if 0 <= d <= 6) or frozenset(range(5))
    return WorkingHours(_clock(programme.quiet_end, time(9)), _clock(programme.quiet_start, time(18)), days)


def _clock(text: str, default: time) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        return default


def _instant(day: date, at: time, info: zoneinfo.ZoneInfo) -> datetime:
    # A wall time in a daylight-saving gap does not exist; zoneinfo reads it with the offset before the change,
    # which lands just after the gap: the right opening for a working day that starts inside it.
    return datetime.combine(day, at, tzinfo=info).astimezone(UTC)


def local(moment: datetime, zone: str) -> datetime:
    """The moment on the clocks of `zone`; a time without its zone, as a database hands it back, is UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone_info(zone))


@lru_cache(maxsize=1024)
def zone_info(name: str) -> zoneinfo.ZoneInfo:
    """The zone of that name."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")  # a zone this machine no longer knows reads as UTC rather than failing
