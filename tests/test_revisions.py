"""Revisions across editions, on a temporary clone with two tagged editions (revision_repo.py):
the history page, the web edition's marks, the errata sheet and stable LMS identities."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pdfplumber
from lxml import etree
from lxml import html as lhtml
from pypdf import PdfReader
from test_pdfua import assert_pdfua_clean

from studyguide.revisions import history as hist

from revision_repo import BOOK, ROOT, build, current, git, repo, run  # noqa: F401 (fixtures)

PROMPT_EDITED = "one-compare"
UNCHANGED = "one-why"
LINKS = ".//a[@href][not(contains(@class, 'headerlink'))]"


def entry(page: Path, anchor: str):
    tree = lhtml.parse(str(page))
    found = tree.xpath(f'//*[@id="{anchor}"]')
    assert found, f"no #{anchor} in {page.name}"
    return found[0]


def test_history_lists_exactly_the_changed_section_and_exercise(current):
    page = current / "html" / "revisions.html"
    newest = entry(page, "edition-1-1")
    assert "Edition 1.1, 1 June 2026" in newest.text_content()
    assert "Second edition: a fuller start." in newest.text_content()  # from revisions.yaml
    links = [a.get("href") for a in newest.xpath(LINKS)]
    assert links == ["ch1.html#sec-start"], links
    exercises = [c.text_content() for c in newest.xpath(".//code")]
    assert exercises == [PROMPT_EDITED], exercises
    first = entry(page, "edition-1-0")
    assert "Edition 1.0, 5 January 2026" in first.text_content()
    assert newest.tag == first.tag == "section" and "1 June 2026" in newest.xpath("./h2")[0].text_content()
    assert not first.xpath(LINKS) and not first.xpath(".//code")
    # Newest first; the page is in the EPUB and the PDF too.
    html_text = page.read_text(encoding="utf-8")
    assert html_text.index('id="edition-1-1"') < html_text.index('id="edition-1-0"')
    with zipfile.ZipFile(next((current / "epub").glob("*.epub"))) as epub:
        assert b"Edition 1.1, 1 June 2026" in epub.read("revisions.xhtml")
    with pdfplumber.open(next((current / "pdf").glob("*.pdf"))) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert "Edition 1.1, 1 June 2026" in text and "one-compare (Chapter one): changed" in text


def test_history_compares_sections_by_label_and_ignores_rewrapping(tmp_path):
    old = hist.sections_of("(a)=\n# A\n\nOne two\nthree.\n\n## Sub\n\nsub text\n\n(b)=\n## B\n\nb\n", "doc")
    new = hist.sections_of("(a)=\n# A\n\nOne two three.\n\n## Sub\n\nsub TEXT\n\n(b)=\n## B\n\nb\n", "doc")
    changed, _ = hist.compare(hist.Snapshot({s.key: s for s in old}), hist.Snapshot({s.key: s for s in new}))
    assert [c.key for c in changed] == ["a"]  # an unlabelled subsection belongs to its parent
    fenced = hist.sections_of("(a)=\n# A\n\n```\n(x)=\n## not a heading\n```\n", "doc")
    assert [s.key for s in fenced] == ["a"]


def test_html_mark_only_on_the_changed_section(current):
    tree = lhtml.parse(str(current / "html" / "ch1.html"))
    marks = tree.xpath('//*[contains(@class, "revision-mark")]')
    assert len(marks) == 1
    section = marks[0].xpath("ancestor::section[1]")[0]
    assert "sec-start" in (section.get("id"), *section.xpath("./span/@id"))
    assert marks[0].text_content().strip() == "revised in 1.1"
    assert marks[0].xpath(".//a/@href") == ["revisions.html#edition-1-1"]
    for other in ("index", "glossary", "revisions"):
        assert "revision-mark" not in (current / "html" / f"{other}.html").read_text(encoding="utf-8")
    # Print and e-book editions carry no marks (the Policy says only the web edition does).
    with zipfile.ZipFile(next((current / "epub").glob("*.epub"))) as epub:
        assert b"revised in 1.1" not in epub.read("ch1.xhtml")
    with pdfplumber.open(next((current / "pdf").glob("*.pdf"))) as pdf:
        assert not any("revised in 1.1" in (p.extract_text() or "") for p in pdf.pages)


def test_new_tag_refreshes_the_history_incrementally(repo, tmp_path):
    """Tags are a dependency: a new tag, no source change, and the page is read again."""
    out = tmp_path / "b"
    build(repo, out, "html")
    assert "edition-1-2" not in (out / "html" / "revisions.html").read_text(encoding="utf-8")
    git(repo, "tag", "-a", "edition-1.2", "-m", "Edition 1.2", date="2026-07-01T10:00:00Z")
    try:
        build(repo, out, "html")
        page = (out / "html" / "revisions.html").read_text(encoding="utf-8")
    finally:
        git(repo, "tag", "-d", "edition-1.2")
    assert 'id="edition-1-2"' in page and "Edition 1.2, 1 July 2026" in page


def _errata_text(pdf: Path) -> str:
    with pdfplumber.open(pdf) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages)


def test_errata_names_the_section_with_its_old_page(repo, tmp_path):
    out = tmp_path / "b"
    result = run(
        [
            sys.executable,
            "-m",
            "studyguide.revisions.errata",
            "edition-1.0",
            "--root",
            str(repo),
            "--source",
            str(repo / BOOK),
            "--build-dir",
            str(out),
            "--quiet",
        ]
    )
    assert result.returncode == 0, result.output
    sheet = out / "errata" / "stalin-zhukov-errata-edition-1.0.pdf"
    text = _errata_text(sheet)
    # The old page, read independently: where the old PDF prints the old sentence.
    old_pdf = next((out / ".work" / "errata").glob("edition-1.0-*/build/pdf/*.pdf"))
    reader = PdfReader(old_pdf)
    old_page = next(
        reader.page_labels[i]
        for i, page in enumerate(reader.pages)
        if "is described by" in " ".join((page.extract_text() or "").split())
    )
    assert old_page != "1"  # the fixture's long first section pushes it on
    assert re.search(rf"Start \(Chapter one\)\nPage {old_page} of edition 1\.0\. Now reads:", text), text
    assert "a group of armies, is described" in " ".join(text.split())
    assert_pdfua_clean(sheet)  # tagged and clean like every PDF the build writes
    assert "Exercise one-compare" in text and "published outputs" in text
    assert "Background" not in text and "Later" not in text and "one-why" not in text
    assert "/StructTreeRoot" in PdfReader(sheet).trailer["/Root"]  # tagged, as the book is
    git_worktrees = git(repo, "worktree", "list")
    assert git_worktrees.count("\n") == 0, git_worktrees  # the old tree's worktree is gone


def test_errata_without_the_tag_fails_briefly(repo, tmp_path):
    result = run(
        [
            sys.executable,
            "-m",
            "studyguide.revisions.errata",
            "edition-9.9",
            "--root",
            str(repo),
            "--source",
            str(repo / BOOK),
            "--build-dir",
            str(tmp_path / "b"),
            "--quiet",
        ]
    )
    assert result.returncode == 2 and "no tag 'edition-9.9'" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "b" / "errata").exists()


def test_make_errata_runs_the_errata_module():
    dry = subprocess.run(
        ["make", "-n", "errata", "FROM=edition-1.0"], cwd=ROOT, capture_output=True, text=True
    )
    assert "-m studyguide.revisions.errata edition-1.0" in dry.stdout, dry.stdout + dry.stderr
    bare = subprocess.run(["make", "errata"], cwd=ROOT, capture_output=True, text=True)
    assert bare.returncode != 0 and "FROM=edition-" in bare.stderr


def _banks(folder: Path) -> dict:
    moodle = etree.parse(str(next(folder.glob("*-moodle.xml"))))
    questions = {q.findtext("idnumber"): q for q in moodle.iter("question") if q.get("type") != "category"}
    with zipfile.ZipFile(next(folder.glob("*-qti21.zip"))) as package:
        manifest = etree.parse(io.BytesIO(package.read("imsmanifest.xml")))
        items = {
            etree.parse(io.BytesIO(package.read(n))).getroot().get("identifier"): n
            for n in package.namelist()
            if n.startswith("items/")
        }
    ns = {"cp": "http://www.imsglobal.org/xsd/imscp_v1p1", "lom": "http://ltsc.ieee.org/xsd/LOM"}
    resources = {r.get("identifier"): r for r in manifest.iterfind(".//cp:resource", ns)}
    return {
        "moodle": {
            k: (q.findtext("name/text"), [t.findtext("text") for t in q.iterfind("tags/tag")])
            for k, q in questions.items()
        },
        "categories": [
            c.findtext("category/text") for c in moodle.iter("question") if c.get("type") == "category"
        ],
        "qti": items,
        "qti_versions": {
            k: r.xpath(".//lom:lifeCycle/lom:version/lom:string/text()", namespaces=ns)
            for k, r in resources.items()
        },
        "gift": next(folder.glob("*.gift")).read_text(encoding="utf-8"),
    }


def test_lms_identifiers_are_stable_across_editions(repo, current, tmp_path):
    old_tree = tmp_path / "old"
    git(repo, "worktree", "add", "-q", "--detach", str(old_tree), "edition-1.0")
    try:
        old = _banks(build(old_tree, tmp_path / "b", "lms") / "lms")
    finally:
        git(repo, "worktree", "remove", "--force", str(old_tree))
    new = _banks(current / "lms")
    assert set(old["moodle"]) == set(new["moodle"]) == {UNCHANGED, PROMPT_EDITED}
    assert old["moodle"][UNCHANGED] == new["moodle"][UNCHANGED] == (UNCHANGED, [])
    assert old["categories"] == new["categories"]
    assert set(old["qti"]) == set(new["qti"]) and old["qti"][UNCHANGED] == new["qti"][UNCHANGED]
    # The changed question keeps its identity and says it was revised.
    assert old["moodle"][PROMPT_EDITED] == (PROMPT_EDITED, [])
    assert new["moodle"][PROMPT_EDITED] == (PROMPT_EDITED, ["revised-in-1.1"])
    assert new["qti_versions"][f"res-{PROMPT_EDITED}"] == ["revised in 1.1"]
    assert new["qti_versions"][f"res-{UNCHANGED}"] == []
    assert f"// {PROMPT_EDITED} (multiple-choice), revised in 1.1" in new["gift"]
    assert f"// {UNCHANGED} (true-false)\n" in new["gift"]


def test_bad_summaries_file_names_file_and_line(repo, tmp_path):
    bad = tmp_path / "src"
    subprocess.run(["cp", "-r", str(repo / BOOK), str(bad)], check=True)
    (bad / "revisions.yaml").write_text('edition-1.0: "First."\nnotes: 3\n', encoding="utf-8")
    result = run(
        [
            sys.executable,
            "-m",
            "studyguide.build",
            "html",
            "--root",
            str(repo),
            "--source",
            str(bad),
            "--build-dir",
            str(tmp_path / "b"),
            "--quiet",
        ]
    )
    assert result.returncode != 0
    assert f"{bad / 'revisions.yaml'}:2:" in result.output and "Traceback" not in result.output


def test_unreleased_changes_are_the_newest_entry(repo):
    """Work after the last tag is listed as the next release (conf.py's), not yet released."""
    page = repo / BOOK / "ch1.md"
    original = page.read_text(encoding="utf-8")
    page.write_text(
        original.replace("which the tests leave as it is", "which this test edits"), encoding="utf-8"
    )
    try:
        found = hist.history(
            repo / BOOK, repo / "tests/roots/revisions/exercises", "1.2", {"edition-1.2": "Third edition."}
        )
        same = hist.history(repo / BOOK, repo / "tests/roots/revisions/exercises", "1.1", {})
    finally:
        page.write_text(original, encoding="utf-8")
    newest = found[0]
    assert (newest.tag, newest.version, newest.heading) == (None, "1.2", "Edition 1.2: not yet released")
    assert [c.key for c in newest.sections] == ["sec-later"] and newest.exercises == ()
    assert newest.summary == "Third edition."
    assert [e.tag for e in found[1:]] == ["edition-1.1", "edition-1.0"]
    # Not yet numbered as a new release (conf.py still says 1.1): changes since 1.1.
    assert same[0].heading == "Changes since edition 1.1, not yet released"
    assert [c.key for c in same[0].sections] == ["sec-later"]


def test_only_the_web_format_marks_revisions():
    from studyguide.editions import EDITIONS, FORMATS, PAPER, Policy

    marking = {name for name, fmt in FORMATS.items() if Policy(fmt, EDITIONS["student"]).marks_revisions}
    assert marking == {"html", "dirhtml"}
    assert not Policy(PAPER, EDITIONS["instructor"]).marks_revisions
