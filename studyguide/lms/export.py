"""Write the auto-gradable exercises as GIFT, a Moodle XML question bank and a QTI 2.1 package.

Two layers, so the formats can be tested without Sphinx: ``gift.gift()``, ``moodle.moodle_xml()``
and ``qti.qti_package()`` turn plain data (chapter titles and ``Question`` objects) into files,
and ``questions.gather()`` makes that data from the book's resolved doctrees. Output depends on
nothing but the input (no dates, no sets, no hash order), so the same book gives the same bytes.

What a platform can mark on its own is exported as such: multiple choice, true or false,
matching, ordering and the short answers ``Exercise.auto_markable`` accepts. Every other short
answer becomes a manually graded (essay) question. Moodle core has no ordering question, so
an ordering becomes a matching of each event to its position.
"""

from __future__ import annotations

from pathlib import Path

from studyguide.lms.gift import gift
from studyguide.lms.moodle import moodle_xml
from studyguide.lms.qti import qti_package
from studyguide.lms.questions import gather
from studyguide.lms.text import Edition


def write_all(builder) -> None:
    """Write ``<basename>.gift``, ``-moodle.xml`` and ``-qti21.zip`` into the builder's outdir."""
    from studyguide.revisions import STAMP, revised_exercises

    chapters = gather(builder)
    root, base = builder.config.project, builder.config.studyguide_basename
    # Which edition the bank is, and which questions an edition changed (identifiers stay).
    edition = Edition(builder.config.html_context.get(STAMP, ""), revised_exercises(builder.env))
    outdir = Path(builder.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for name, text in (
        (f"{base}.gift", gift(chapters, root, edition)),
        (f"{base}-moodle.xml", moodle_xml(chapters, root, edition)),
    ):
        (outdir / name).write_text(text, encoding="utf-8", newline="\n")
    (outdir / f"{base}-qti21.zip").write_bytes(qti_package(chapters, root, edition))
