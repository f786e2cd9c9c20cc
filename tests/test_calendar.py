"""The awareness calendar: rules over 2026-2028, editions, June's daily question, quiet hours, the file check."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.calendar_file import load_calendar
from bot.engine.calendar import QuietHours, is_due, nth_weekday, occurrences, send_time

QUIET = QuietHours.parse("21:00-07:30")


@pytest.fixture(scope="module")
def entries():
    calendar = load_calendar()
    assert calendar.ok, calendar.problems
    return calendar.entries


def days_of(entries, key: str, year: int) -> list[date]:
    return [d for e, d in occurrences(entries, date(year, 1, 1), date(year, 12, 31)) if e.key == key]


@pytest.mark.parametrize(
    ("year", "safety_day", "first_lesson"),
    [
        (2026, date(2026, 3, 30), date(2026, 9, 7)),
        (2027, date(2027, 3, 29), date(2027, 9, 6)),
        (2028, date(2028, 3, 27), date(2028, 9, 4)),
    ],
)
def test_rules_over_three_years(entries, year, safety_day, first_lesson):
    assert days_of(entries, "safety-education-day", year) == [safety_day]  # Monday of the last week of March
    assert safety_day.weekday() == 0 and (safety_day.replace(day=31) - safety_day).days < 7
    assert days_of(entries, "school-first-lesson", year) == [first_lesson]
    june = days_of(entries, "june-daily", year)
    assert len(june) == 30 and june[0] == date(year, 6, 1) and june[-1] == date(year, 6, 30)
    assert days_of(entries, "international-day", year) == [date(year, 6, 26)]
    assert days_of(entries, "humen-day", year) == [date(year, 6, 3)]
    assert days_of(entries, "constitution-day", year) == [date(year, 12, 4)]
    contest = days_of(entries, "contest-season", year)
    assert contest and all(d.weekday() == 4 and date(year, 9, 15) <= d <= date(year, 11, 15) for d in contest)


@pytest.mark.parametrize(
    ("key", "day", "words"),
    [
        ("international-day", date(2026, 6, 26), "第39个国际禁毒日"),
        ("international-day", date(2028, 6, 26), "第41个国际禁毒日"),
        ("june-month-start", date(2026, 6, 1), "第16个全民禁毒宣传月"),
        ("humen-day", date(2026, 6, 3), "187周年"),
        ("jindufa-day", date(2026, 6, 1), "施行18周年"),
        ("safety-education-day", date(2026, 3, 30), "第31个全国中小学生安全教育日"),
        ("constitution-day", date(2026, 12, 4), "第13个国家宪法日"),
    ],
)
def test_edition_counts_follow_the_fact_sheet(entries, key, day, words):
    entry = next(e for e in entries if e.key == key)
    assert words in entry.render(day)


def test_nth_weekday():
    assert nth_weekday(2026, 3, 0, -1) == date(2026, 3, 30)
    assert nth_weekday(2026, 9, 0, 1) == date(2026, 9, 7)


def test_quiet_hours_move_or_drop_a_reminder():
    assert send_time(time(17), date(2026, 6, 1), QUIET) == datetime(2026, 6, 1, 17)
    assert send_time(time(6), date(2026, 6, 1), QUIET) == datetime(2026, 6, 1, 7, 30)  # after the quiet hours
    assert send_time(time(22), date(2026, 6, 1), QUIET) is None  # the quiet hours end the next day: dropped
    assert QUIET.contains(time(23, 59)) and QUIET.contains(time(0)) and not QUIET.contains(time(7, 30))


def test_a_reminder_is_due_later_that_day_but_never_the_next():
    day = date(2026, 6, 5)
    assert not is_due(time(17, 30), day, datetime(2026, 6, 5, 17, 29), QUIET)
    assert is_due(time(17, 30), day, datetime(2026, 6, 5, 17, 30), QUIET)
    assert is_due(time(17, 30), day, datetime(2026, 6, 5, 20, 59), QUIET)  # the bot was down: caught up
    assert not is_due(time(17, 30), day, datetime(2026, 6, 5, 21, 0), QUIET)  # night
    assert not is_due(time(17, 30), day, datetime(2026, 6, 6, 9, 0), QUIET)  # nothing older than today


def test_a_broken_calendar_names_file_line_and_problem(tmp_path):
    broken = tmp_path / "calendar.yaml"
    broken.write_text(
        "reminders:\n"
        '  - key: ok-one\n    rule: date 06-01\n    at: "08:00"\n    text: 好\n'
        '  - key: bad-rule\n    rule: date 02-30\n    at: "08:00"\n    text: 坏\n'
        '  - key: bad-time\n    rule: daily 06-01..06-30\n    at: "25:00"\n    text: 坏\n'
        '  - key: no-year\n    rule: weekly fri 09-15..11-15\n    at: "16:30"\n    text: 第{edition}个\n'
        '  - key: ok-one\n    rule: date 06-01\n    at: "08:00"\n    text: 好\n    sorce: x\n',
        encoding="utf-8",
    )
    calendar = load_calendar(broken)
    assert not calendar.ok and calendar.entries == []
    problems = "\n".join(calendar.problems)
    assert f"{broken}:6: bad-rule: rule 'date 02-30'" in problems
    assert f"{broken}:10: bad-time: at '25:00'" in problems
    assert f"{broken}:14: no-year: text uses {{edition}} but first_year is missing" in problems
    assert f"{broken}:18: ok-one: key used twice" in problems and "unknown field 'sorce'" in problems
