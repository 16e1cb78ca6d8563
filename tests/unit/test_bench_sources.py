"""The rivals' book (studyguide.bench_sources) is the whole book: every document in the
toctrees' order, every exercise, and the back matter, taken from the real sources."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from studyguide import bench
from studyguide.bench_sources import markdown, toctree_parts
from studyguide.exercises.model import load

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def book_md() -> str:
    return markdown(ROOT)


@pytest.fixture(scope="module")
def book_html(book_md, tmp_path_factory) -> str:
    """Pandoc's HTML of it, with citeproc, as the Paged.js rival runs it."""
    pypandoc = pytest.importorskip("pypandoc")
    out = tmp_path_factory.mktemp("rivals")
    (out / "book.md").write_text(book_md, encoding="utf-8")
    args = [a.replace("../book/", f"{ROOT}/book/") for a in bench.PANDOC]
    proc = subprocess.run(
        [pypandoc.get_pandoc_path(), *args, "-t", "html5", "-o", "book.html"],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return (out / "book.html").read_text(encoding="utf-8")


def test_every_document_comes_in_the_toctrees_order(book_md):
    index = (ROOT / "book/index.md").read_text(encoding="utf-8")
    listed = re.findall(r"^((?:chapters|back)/[\w-]+|[\w-]+)$", index.split("```{toctree}", 1)[1], re.M)
    parts = toctree_parts(ROOT)
    assert [p.docname for p in parts] == listed
    titles = [re.search(r"^# (.+)$", p.text, re.M)[1] for p in parts]
    where = [book_md.find(f"\n# {t} ") for t in titles]
    assert -1 not in where and where == sorted(where), dict(zip(titles, where))


def test_no_myst_is_left_and_the_teaching_notes_are_out(book_md):
    assert not re.search(r"\{[\w:-]+\}`", book_md), "a MyST role was not converted"
    assert not re.search(r"^(`{3,}|:{3,})\{", book_md, re.M), "a MyST directive was not converted"
    chapter = (ROOT / "book/chapters/2-defences.md").read_text(encoding="utf-8")
    note = re.search(r"```\{teaching-note\}\n(.+?)\n", chapter)[1]
    assert note not in book_md  # the student edition leaves teaching notes out


def test_every_exercise_is_in_its_chapter_and_in_the_answer_key(book_md):
    exercises = [e for f in sorted((ROOT / "exercises").glob("*.yaml")) for e in load(f).exercises]
    key = book_md[book_md.index("\n# Answer key") :]
    for ex in exercises:
        assert f"[]{{#ex-{ex.id}}}" in book_md and f"[]{{#key-{ex.id}}}" in key, ex.id
    choice = next(e for e in exercises if e.type == "multiple-choice")
    assert f"**Answer:** {choice.answer}" in key
    model = next(e for e in exercises if e.type == "short-answer")
    assert " ".join(str(model.answer).split()[:6]) in " ".join(key.split())


def test_the_back_matter_comes_from_its_sources(book_md, book_html):
    events = yaml.safe_load((ROOT / "book/figures/timeline.yaml").read_text(encoding="utf-8"))
    rows = re.findall(r"^\| (.+?) \| (.+) \|$", book_md, re.M)
    assert [e["detail"] for e in events] == [d for _date, d in rows if d in {e["detail"] for e in events}]
    glossary = (ROOT / "book/back/glossary.md").read_text(encoding="utf-8")
    terms = re.findall(r"^([A-Z][^\n:]*)\n  \S", glossary, re.M)
    found = re.findall(r'<dt><span\s+id="(term-[\w-]+)">(.+?)</span></dt>', book_html, re.S)
    dts = {i: " ".join(t.split()) for i, t in found}  # (Pandoc wraps its HTML)
    assert len(terms) > 10 and sorted(dts.values()) == sorted(terms)
    assert sum(f'href="#{i}"' in book_html for i in dts) > len(dts) // 2  # {term} roles link to them
    bib = (ROOT / "book/references.bib").read_text(encoding="utf-8")
    surnames = {a.split(",")[0] for a in re.findall(r"author\s*=\s*\{([^}]+)\}", bib)}
    refs = re.search(r'<div id="refs".*?</div>\s*</div>', book_html, re.S)[0]
    assert surnames and all(s in refs for s in surnames), surnames
    summaries = yaml.safe_load((ROOT / "book/revisions.yaml").read_text(encoding="utf-8"))
    history = book_md[book_md.index("\n# Revision history") :]
    assert all(" ".join(v.split()) in history for v in summaries.values())


def test_every_internal_link_has_its_target(book_html):
    """Typst refuses a link to a missing label; Paged.js would print a dead link."""
    ids = set(re.findall(r'\sid="([^"]+)"', book_html))
    hrefs = set(re.findall(r'\shref="#([^"]+)"', book_html))
    assert len(hrefs) > 100 and hrefs <= ids, sorted(hrefs - ids)[:10]


def test_the_report_shows_both_books_pages_beside_a_pdf_ratio():
    s = {
        "ours.make-pdf-cold": {"seconds": 10.0, "pages": 100},
        "rival.pagedjs": {"seconds": 5.0, "pages": 50},
    }
    assert bench.sizes(s, "ours.make-pdf-cold", "rival.pagedjs") == (
        "  (pages 100 vs 50; s/page 0.100 vs 0.100)"
    )
    assert bench.sizes(s, "ours.make-pdf-cold", "rival.typst") == ""
