"""The timeline's order, and the dates the second edition corrected.

The first edition listed Operation Mars (dated only "November 1942") before Uranus
(19 November), so the figure and the table both put the two in the wrong order. These tests
read book/figures/timeline.yaml, which feeds both, and the table the real build made of it;
tests/test_second_edition.py pins Mars's dates in the data itself.
"""

from __future__ import annotations

import calendar
from datetime import date

import yaml
from lxml import html as lxml_html

from conftest import ROOT

TIMELINE = ROOT / "book" / "figures" / "timeline.yaml"


def bounds(text: str) -> tuple[date, date]:
    """Earliest and latest day a 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' date can mean."""
    parts = [int(p) for p in str(text).split("-")]
    if len(parts) == 1:
        return date(parts[0], 1, 1), date(parts[0], 12, 31)
    if len(parts) == 2:
        last = calendar.monthrange(*parts)[1]
        return date(*parts, 1), date(*parts, last)
    return date(*parts), date(*parts)


def out_of_order(events: list[dict]) -> list[str]:
    """Events that start earlier than some event listed before them could have started.

    A date known only to the month or year may sit anywhere in its month or year, so the
    order is wrong only when no choice of exact days would make the starts non-decreasing.
    """
    problems, earliest_so_far, previous = [], date.min, None
    for event in events:
        first, last = bounds(event["date"])
        if last < earliest_so_far:
            problems.append(
                f"{event['label']!r} ({event['date']}) is listed after "
                f"{previous['label']!r} ({previous['date']})"
            )
        if first > earliest_so_far:
            earliest_so_far, previous = first, event
    return problems


def events() -> list[dict]:
    return yaml.safe_load(TIMELINE.read_text(encoding="utf-8"))


def by_label(word: str) -> dict:
    (event,) = [e for e in events() if word in e["label"]]
    return event


def test_timeline_events_are_listed_in_order_of_their_start():
    problems = out_of_order(events())
    assert not problems, "timeline.yaml is out of order:\n" + "\n".join(problems)


def test_order_check_allows_vague_dates_and_catches_a_real_inversion():
    vague_first = [{"label": "Mars", "date": "1942-11"}, {"label": "Uranus", "date": "1942-11-19"}]
    assert not out_of_order(vague_first)  # "November" could be 1 November
    inverted = [{"label": "Mars", "date": "1942-11-25"}, {"label": "Uranus", "date": "1942-11-19"}]
    assert out_of_order(inverted) == ["'Uranus' (1942-11-19) is listed after 'Mars' (1942-11-25)"]
    years = [
        {"label": "a", "date": "1953-03-05"},
        {"label": "b", "date": "1953"},
        {"label": "c", "date": "1952-10"},
    ]
    assert out_of_order(years) == ["'c' (1952-10) is listed after 'a' (1953-03-05)"]


def test_summer_1942_sequence_volga_then_deputy_supreme_commander():
    volga, deputy = by_label("Volga"), by_label("Deputy Supreme Commander")
    assert (str(volga["date"]), str(deputy["date"])) == ("1942-08-23", "1942-08-26")


def test_timeline_table_lists_uranus_then_mars_with_the_corrected_dates(book):
    tree = lxml_html.fromstring((book.html / "back" / "timeline.html").read_bytes())
    rows = [
        [" ".join(td.text_content().split()) for td in row.xpath("./td")]
        for row in tree.xpath("//table[contains(@class, 'timeline-table')]/tbody/tr")
    ]
    found = {}
    for word in ("Uranus", "Mars"):
        matches = [n for n, (_, what) in enumerate(rows) if f"Operation {word}" in what]
        assert len(matches) == 1, f"timeline table: {len(matches)} rows name Operation {word}"
        found[word] = matches[0]
    assert rows[found["Uranus"]][0] == "19 November 1942"
    assert rows[found["Mars"]][0] == "25 November 1942 – 20 December 1942"
    assert found["Uranus"] < found["Mars"], "the timeline table lists Mars before Uranus"
