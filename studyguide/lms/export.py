"""Write the auto-gradable exercises as GIFT, a Moodle XML question bank and a QTI 2.1 package.

Two layers, so the formats can be tested without Sphinx: ``gift.gift()`` and
``moodle.moodle_xml()`` turn plain data (chapter titles and ``Exercise`` objects) into text,
and ``write_all()`` here only gathers that data from the finished build. Output depends on
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


def _citations(env) -> dict[str, str]:
    """``key -> "Author Year"`` from sphinxcontrib-bibtex, so feedback names the work."""
    try:
        entries = env.domains["cite"].bibdata.data.entries
    except (KeyError, AttributeError):
        return {}
    out = {}
    for key, entry in entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [" ".join(p.last_names) for p in people]
        who = names[0] + " et al." if len(names) > 2 else " and ".join(names)
        out[key] = " ".join(part for part in (who, entry.fields.get("year", "")) if part) or key
    return out


def write_all(builder) -> None:
    """Gather the chapters in book order and write ``<basename>.gift``, ``-moodle.xml``, ``-qti21.zip``."""
    env = builder.env
    found = env.domains["guide"].all_exercises()
    docs = sorted((d for d in found if d in env.all_docs),
                  key=lambda d: (tuple(env.toc_secnumbers.get(d, {}).get("", (999,))), d))
    chapters = [(env.titles[d].astext(), list(found[d])) for d in docs]
    labels = {name: title for name, (_doc, _id, title) in env.domains.standard_domain.labels.items()
              if title}
    citations = _citations(env)
    root, base = builder.config.project, builder.config.studyguide_basename
    outdir = Path(builder.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for name, text in ((f"{base}.gift", gift(chapters, root, labels, citations)),
                       (f"{base}-moodle.xml", moodle_xml(chapters, root, labels, citations))):
        (outdir / name).write_text(text, encoding="utf-8", newline="\n")
    (outdir / f"{base}-qti21.zip").write_bytes(qti_package(chapters, root, labels, citations))
