"""The ``{timeline-table}`` directive: the timeline page's table, from the figure's own data.

Reading ``timeline.yaml`` here (instead of typing the table) keeps the table and the
timeline figure from drifting apart; the file is a dependency, so editing it rebuilds the page.
"""

from __future__ import annotations

import calendar
import datetime as dt

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from studyguide.yamlread import safe_load


def format_date(value: str) -> str:
    """'1941-12-05' -> '5 December 1941'; '1941-10' -> 'October 1941'."""
    parts = [int(p) for p in str(value).split("-")]
    month = calendar.month_name[parts[1]] if len(parts) > 1 else ""
    if len(parts) == 3:
        dt.date(*parts)  # validates the day
        return f"{parts[2]} {month} {parts[0]}"
    return f"{month} {parts[0]}".strip()


def format_span(event: dict) -> str:
    start = format_date(event["date"])
    return f"{start} – {format_date(event['end'])}" if event.get("end") else start


class TimelineTable(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        path = self.env.srcdir / self.config.studyguide_figures_data / "timeline.yaml"
        self.env.note_dependency(str(path))
        try:
            events = safe_load(path.read_text(encoding="utf-8"))
            rows = [(format_span(e), e["detail"]) for e in events]
        except yaml.MarkedYAMLError as err:  # the data file's own line, not the directive's alone
            mark = err.problem_mark or err.context_mark
            raise self.error(f"cannot read {path}:{mark.line + 1}: {err.problem or err.context}") from err
        except (OSError, yaml.YAMLError, KeyError, ValueError, TypeError) as err:
            raise self.error(f"cannot read {path}: {err}") from err
        table = nodes.table(classes=["timeline-table"])
        group = nodes.tgroup(cols=2)
        table += group
        group += nodes.colspec(colwidth=28)
        group += nodes.colspec(colwidth=72)
        head = nodes.thead()
        group += head
        head += self._row(("Date", "Event"))
        body = nodes.tbody()
        group += body
        for row in rows:
            body += self._row(row)
        return [table]

    def _row(self, cells: tuple[str, str]) -> nodes.row:
        row = nodes.row()
        for cell in cells:
            inline, _ = self.state.inline_text(cell, self.lineno)
            row += nodes.entry("", nodes.paragraph("", "", *inline))
        return row


def setup(app: Sphinx) -> dict:
    app.add_directive("timeline-table", TimelineTable)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
