"""HTTP dates in IMF-fixdate form (RFC 9110 §5.6.7): what is wrong with one, and the moment it names.

One definition for the whole tester: the `date: true` header rule checks a response's dates with it, and
a stage's file `mtime` is read with it. Pure: text in, an offset and words or seconds out.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EXAMPLE = "Sun, 06 Nov 1994 08:49:37 GMT"


@dataclass(frozen=True)
class DateProblem:
    offset: int  # into the value, where it first goes wrong
    problem: str
    expected: str
    corrected: str | None = None  # the same date with the right day name, when only that is wrong


def problem(value: str) -> DateProblem | None:
    """What is wrong with `value` as an IMF-fixdate (RFC 9110 §5.6.7), at which offset; None if it is one."""
    fields = [
        (0, 3, DAYS, "a day name: Mon, Tue, Wed, Thu, Fri, Sat or Sun"),
        (3, 1, ",", "',' right after the three-letter day name"),
        (4, 1, " ", "one space after the comma"),
        (5, 2, "digits", "the day of the month in two digits (06, not 6)"),
        (7, 1, " ", "one space after the day"),
        (8, 3, MONTHS, "a month name: Jan, Feb, ... Dec"),
        (11, 1, " ", "one space after the month"),
        (12, 4, "digits", "the year in four digits"),
        (16, 1, " ", "one space after the year"),
        (17, 2, "digits", "the hour in two digits, 00 to 23"),
        (19, 1, ":", "':' between the hour and the minutes"),
        (20, 2, "digits", "the minutes in two digits"),
        (22, 1, ":", "':' between the minutes and the seconds"),
        (23, 2, "digits", "the seconds in two digits"),
        (25, 1, " ", "one space after the time"),
        (26, 3, ("GMT",), "GMT (an HTTP date is always in GMT, written so)"),
    ]
    for start, size, allowed, expected in fields:
        piece = value[start:start + size]
        if allowed == "digits":
            good = len(piece) == size and piece.isascii() and piece.isdigit()
            wrong = next((index for index, character in enumerate(piece) if not character.isdigit()), len(piece))
        else:
            options = allowed if isinstance(allowed, tuple) else (allowed,)
            good = piece in options
            wrong = 0
        if not good:
            at = min(start + (wrong if allowed == "digits" else 0), len(value))
            shown = repr(piece) if piece else "the end of the value"
            return DateProblem(at, f"found {shown} where the date needs {expected}", expected)
    if len(value) > 29:
        return DateProblem(29, f"{value[29:]!r} follows the date", "nothing after GMT")
    return _calendar_problem(value)


def _calendar_problem(value: str) -> DateProblem | None:
    day, month, year = int(value[5:7]), MONTHS.index(value[8:11]) + 1, int(value[12:16])
    hour, minute, second = int(value[17:19]), int(value[20:22]), int(value[23:25])
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        return DateProblem(5, f"{value[5:16]} is not a day of the calendar", "a real date")
    for offset, number, most, what in ((17, hour, 23, "hour"), (20, minute, 59, "minutes"),
                                       (23, second, 60, "seconds")):
        if number > most:
            return DateProblem(offset, f"{what} {number} is more than {most}", f"{what} from 00 to {most}")
    weekday = DAYS[date.weekday()]
    if value[:3] != weekday:
        named = _DAY_NAMES[date.weekday()]
        return DateProblem(0, f"{value[5:16]} is a {named}, not a {_DAY_NAMES[DAYS.index(value[:3])]}",
                           f"{weekday}, the day name of that date", weekday + value[3:])
    return None


def seconds(value: str) -> int:
    """Seconds since 1970 of a valid IMF-fixdate (a leap second counts as the next second)."""
    if problem(value) is not None:
        raise ValueError(f"{value!r} is not an IMF-fixdate")
    moment = datetime.datetime(int(value[12:16]), MONTHS.index(value[8:11]) + 1, int(value[5:7]),
                               int(value[17:19]), int(value[20:22]), min(int(value[23:25]), 59))
    return calendar.timegm(moment.timetuple()) + max(int(value[23:25]) - 59, 0)
