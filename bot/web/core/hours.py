"""When counsellors are on duty, from COUNSELLOR_HOURS ("09:00-00:00") in COUNSELLOR_TIMEZONE."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class CounsellorHours:
    opens: time
    closes: time  # 00:00 means midnight at the end of the day
    zone: ZoneInfo

    @classmethod
    def parse(cls, hours: str, zone: str) -> "CounsellorHours":
        """ "09:00-00:00" (9am to midnight); "00:00-00:00" is round the clock."""
        start, end = (time.fromisoformat(part.strip()) for part in hours.split("-"))
        return cls(start, end, ZoneInfo(zone))

    def _local(self, now: datetime | None) -> datetime:
        return (now or datetime.now(tz=self.zone)).astimezone(self.zone)

    def is_open(self, now: datetime | None = None) -> bool:
        clock = self._local(now).time()
        if self.opens == self.closes:
            return True
        if self.opens < self.closes or self.closes == time(0):
            return self.opens <= clock and (self.closes == time(0) or clock < self.closes)
        return clock >= self.opens or clock < self.closes  # across midnight: 18:00-02:00

    def next_opening(self, now: datetime | None = None) -> str:
        """When counsellors are next here, as a child would say it: "9am", "9:30am"."""
        local = self._local(now)
        opening = datetime.combine(local.date(), self.opens, tzinfo=self.zone)
        if opening <= local:
            opening += timedelta(days=1)
        hour = opening.strftime("%I").lstrip("0")
        minutes = f":{opening.minute:02d}" if opening.minute else ""
        return f"{hour}{minutes}{opening.strftime('%p').lower()}"
