"""Every PDF the build writes passes an independent PDF/UA-1 checker (the `pdfua` package:
the machine-checkable part of PDF/UA-1, without a JVM): no error, no warning.

pdfua 0.1.3 cannot evaluate one rule on our files: UA-14-001 (headings are not empty)
asks ``getattr(kid, "is_integer")`` of each heading's /K, and pikepdf answers that for an
array /K (which ISO 32000-1 14.7.2 allows, and WeasyPrint writes) with a ValueError
instead of an AttributeError, so the rule stops. That skip, and only that one, is
accepted, and the rule's question is asked here instead: every heading marks content.
"""

from __future__ import annotations

import pikepdf
import pytest

from conftest import ROOT, published, run_build

CHECKER_BUG = "cannot get key '/is_integer' on object of type array"


def _built(book, formats: tuple[str, ...], edition: str = "student", paper: str = "a4"):
    build = run_build(book.root, *formats, edition=edition, paper=paper)
    assert build.returncode == 0, build.output


def _built_quiz(book):
    build = run_build(book.root, "quiz", env={"QUIZ": str(ROOT / "quizzes" / "example.yaml")})
    assert build.returncode == 0, build.output


PDFS = {
    "standard": lambda book: [book.pdf],
    "large print": lambda book: (
        _built(book, ("largeprint",)),
        [published(book.root, "largeprint")],
    )[1],
    "instructor": lambda book: (
        _built(book, ("pdf",), edition="instructor"),
        [published(book.root, "instructor/pdf")],
    )[1],
    "letter": lambda book: (
        _built(book, ("pdf",), paper="letter"),
        [published(book.root, "pdf-letter")],
    )[1],
    "instructor large print": lambda book: (
        _built(book, ("largeprint",), edition="instructor"),
        [published(book.root, "instructor/largeprint")],
    )[1],
    "quiz": lambda book: (
        _built_quiz(book),
        sorted(published(book.root, "quiz/example").glob("*.pdf")),
    )[1],
    "worksheets": lambda book: (
        _built(book, ("worksheets",)),
        sorted((book.root / "worksheets").glob("*.pdf")),
    )[1],
    "flashcards": lambda book: (
        _built(book, ("flashcards",)),
        sorted((book.root / "flashcards").rglob("*.pdf")),
    )[1],
}


def _headings_mark_content(path) -> list[str]:
    """UA-14-001's question: the headings that reach no marked content."""
    empty = []

    def marks(node) -> bool:
        kid = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None
        kids = list(kid) if isinstance(kid, pikepdf.Array) else [kid]
        return any(
            isinstance(k, int)
            or (isinstance(k, pikepdf.Dictionary) and (k.get("/Type") == "/MCR" or marks(k)))
            for k in kids
            if k is not None
        )

    def walk(node):
        for kid in list(node) if isinstance(node, pikepdf.Array) else [node]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                role = str(kid.S)
                if len(role) == 3 and role[:2] == "/H" and role[2].isdigit() and not marks(kid):
                    empty.append(role)
                if "/K" in kid:
                    walk(kid.K)

    with pikepdf.open(path) as pdf:
        walk(pdf.Root.StructTreeRoot.K)
    return empty


@pytest.mark.parametrize("kind", list(PDFS))
def test_pdfua_finds_nothing(book, kind):
    paths = PDFS[kind](book)
    assert paths and all(p.is_file() for p in paths), paths
    for path in paths:
        assert_pdfua_clean(path)


def assert_pdfua_clean(path) -> None:
    """No finding of the checker's, and no skipped rule but the one its bug skips."""
    from pdfua.validator import validate

    report = validate(str(path))
    findings = [f"{f.rule_id} {f.severity.name}: {f.message}" for f in report.findings]
    assert findings == [], f"{path.name}:\n" + "\n".join(findings)
    skipped = {o.rule_id: o.skipped_reason for o in report.skipped}
    assert set(skipped) <= {"UA-14-001"}, (path.name, skipped)
    if skipped:
        assert CHECKER_BUG in skipped["UA-14-001"], skipped
        assert _headings_mark_content(path) == [], path.name


def test_header_cells_have_a_scope_and_data_cells_none(book):
    with pikepdf.open(book.pdf) as pdf:
        from studyguide.pdf.merge import _elements

        cells = [
            (str(e.S), e.get("/A")) for e in _elements(pdf.Root.StructTreeRoot.K) if e.S in ("/TH", "/TD")
        ]
    scopes = [str(a.get("/Scope")) for role, a in cells if role == "/TH"]
    assert len(scopes) >= 20 and set(scopes) <= {"/Column", "/Row"}, set(scopes)
    assert not [a for role, a in cells if role == "/TD" and a is not None and "/Scope" in a]
