"""Bad input stops the build cleanly.

The rule for every mistake an author can make: "a short, plain error naming the file and
line (no Python traceback), a non-zero exit, and the previous good _build/ outputs left
exactly as they were".

The good minimal book (tests/roots/minimal) is built once per module in HTML, EPUB and PDF.
Each case copies that build folder (so a previous good output exists), copies the book,
applies one mistake and runs ``make``'s build of all three formats into the copied folder.
The PDF and EPUB builds only run when the HTML build succeeded, so requesting all three
formats costs nothing when the HTML build already catches the mistake, and still reaches
the mistakes that only the PDF renderer can see.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOTS, run_build

FORMATS = ("html", "epub", "pdf")


# -- helpers -------------------------------------------------------------------------------


def published(build_dir: Path) -> dict[str, tuple[str, int]]:
    """Hash and mtime of every published file and folder (all but the private .work/)."""
    state = {}
    for path in sorted(build_dir.rglob("*")):
        rel = path.relative_to(build_dir)
        if rel.parts[0] == ".work":
            continue
        digest = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        state[rel.as_posix()] = (digest, path.stat().st_mtime_ns)
    return state


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def insert_after(path: Path, anchor: str, text: str) -> None:
    """Insert ``text`` (whole lines) after the line containing ``anchor``."""
    replace(path, anchor, anchor + text)


def chapter(root: Path) -> Path:
    return root / "book" / "ch1.md"


def exercises(root: Path) -> Path:
    return root / "exercises" / "ch1.yaml"


AFTER_PARAGRAPH = "{numref}`fig-img`.\n"  # end of the chapter's body paragraph


def add_to_chapter(root: Path, markdown: str) -> None:
    """A new paragraph or block right after the chapter's first paragraph."""
    insert_after(chapter(root), AFTER_PARAGRAPH, "\n" + markdown + "\n")


def add_second_chapter(root: Path, listed: bool = True, exercise_id: str | None = None) -> None:
    book = root / "book"
    text = "(ch-two)=\n# Chapter two\n\n(sec-two)=\n## Two\n\nMore text.\n"
    if exercise_id:
        text = (
            "(ch-two)=\n# Chapter two\n\n```{objectives}\nrecall: Recall the second chapter.\n```\n\n"
            "(sec-two)=\n## Two\n\nMore text.\n\n## Review exercises\n\n```{exercises} ch2\n```\n"
        )
        (root / "exercises" / "ch2.yaml").write_text(
            "chapter: ch2\n"
            "exercises:\n"
            f"  - id: {exercise_id}\n"
            "    type: true-false\n"
            "    objective: recall\n"
            "    section: sec-two\n"
            "    prompt: |\n"
            "      There is a second chapter.\n"
            "    answer: true\n"
            "    solution: |\n"
            "      True.\n",
            encoding="utf-8",
        )
    (book / "ch2.md").write_text(text, encoding="utf-8")
    if listed:
        insert_after(book / "index.md", "ch1\n", "ch2\n")


# -- the cases -----------------------------------------------------------------------------
# Each: a mutation of the copied book, and the places (any one will do) the error must name.


def unclosed_fence(root):
    append(chapter(root), "\n```{note}\nThis note is never closed.\n")


def unknown_directive(root):
    add_to_chapter(root, "```{nosuchdirective}\nSome text.\n```")


def unknown_role(root):
    add_to_chapter(root, "A {nosuchrole}`x` here.")


def missing_ref(root):
    add_to_chapter(root, "See {ref}`sec-nowhere`.")


def unknown_cite(root):
    add_to_chapter(root, "As argued by {cite:p}`nosuchkey1999`.")


def unknown_term(root):
    add_to_chapter(root, "A {term}`Nosuchterm` here.")


def missing_numref(root):
    add_to_chapter(root, "See {numref}`fig-nowhere`.")


def missing_image(root):
    (root / "book" / "img.png").unlink()


def not_an_image(root):
    (root / "book" / "img2.png").write_text("This is not a PNG image.\n", encoding="utf-8")
    add_to_chapter(root, "```{image} img2.png\n:alt: A second image.\n```")


def not_utf8(root):
    with chapter(root).open("ab") as f:
        f.write(b"\nCaf\xe9 au lait.\n")


def chapter_not_in_toctree(root):
    add_second_chapter(root, listed=False)


def chapter_listed_twice(root):
    insert_after(root / "book" / "index.md", "ch1\n", "ch1\n")


def remote_image(root):
    add_to_chapter(root, "```{image} https://example.com/x.png\n:alt: A remote image.\n```")


def file_url_image(root):
    add_to_chapter(root, "```{image} file:///etc/passwd\n:alt: A local file.\n```")


def exercise_unknown_type(root):
    replace(exercises(root), "type: true-false", "type: fill-in-the-blank")


def exercise_unknown_field(root):
    insert_after(exercises(root), "  - id: one-why\n", "    colour: red\n")


def exercise_missing_answer(root):
    replace(exercises(root), "    answer: true\n", "")


def exercise_answer_not_a_choice(root):
    replace(exercises(root), "answer: The bad one", "answer: The ugly one")


def exercise_duplicate_id_in_file(root):
    replace(exercises(root), "id: one-compare", "id: one-why")


def exercise_duplicate_id_across_files(root):
    add_second_chapter(root, exercise_id="one-why")


def exercise_unknown_objective(root):
    replace(exercises(root), "objective: compare", "objective: contrast")


def exercise_unknown_section(root):
    replace(
        exercises(root),
        "section: sec-start\n    prompt: |\n      Which",
        "section: sec-nowhere\n    prompt: |\n      Which",
    )


def exercise_yaml_syntax(root):
    replace(exercises(root), "answer: The bad one", "answer: [The bad one")


def exercise_true_false_not_boolean(root):
    replace(exercises(root), "answer: true", "answer: maybe")


def exercise_duplicate_key(root):
    replace(exercises(root), "    answer: true\n", "    answer: true\n    answer: false\n")


def exercise_python_tag(root):
    replace(exercises(root), "answer: The bad one", "answer: !!python/object/apply:os.getcwd []")


def exercise_alias(root):
    replace(exercises(root), "    prompt: |\n      The test book", "    prompt: &same |\n      The test book")
    replace(
        exercises(root),
        "    prompt: |\n      Which build",
        "    prompt: *same\n    hint: |\n      Which build",
    )


@dataclass(frozen=True)
class At:
    """Where an error must point: ``file`` (relative to the copied book folder) and the line
    holding the ``nth`` occurrence of ``marker`` (plus ``after``), or any line without one."""

    file: str
    marker: str | None = None
    nth: int = 1
    after: int = 0

    def pattern(self, book: Path) -> str:
        name = re.escape(Path(self.file).name)
        if self.marker is None:
            return rf"/{name}:\d+\b"
        lines = (book / self.file).read_bytes().decode("utf-8", "replace").splitlines()
        found = [n for n, line in enumerate(lines, 1) if self.marker in line]
        assert len(found) >= self.nth, f"{self.marker!r} not in {self.file}"
        return rf"/{name}:{found[self.nth - 1] + self.after}\b"

    def __str__(self) -> str:
        return f"{self.file}:{self.marker or '*'}"


at = At


CH1, YAML1 = "book/ch1.md", "exercises/ch1.yaml"
CASES = [
    pytest.param(unclosed_fence, [at(CH1, "```{note}")], id="myst-unclosed-fence"),
    pytest.param(unknown_directive, [at(CH1, "{nosuchdirective}")], id="unknown-directive"),
    pytest.param(unknown_role, [at(CH1, "{nosuchrole}")], id="unknown-role"),
    pytest.param(missing_ref, [at(CH1, "sec-nowhere")], id="ref-missing-label"),
    pytest.param(unknown_cite, [at(CH1, "nosuchkey1999")], id="cite-unknown-key"),
    pytest.param(unknown_term, [at(CH1, "Nosuchterm")], id="term-not-in-glossary"),
    pytest.param(missing_numref, [at(CH1, "fig-nowhere")], id="numref-missing-figure"),
    pytest.param(missing_image, [at(CH1, "{figure} img.png")], id="image-missing"),
    pytest.param(not_an_image, [at(CH1, "{image} img2.png")], id="image-not-an-image"),
    pytest.param(not_utf8, [at(CH1, "Caf")], id="chapter-not-utf8"),
    # Reported at the stray chapter, or at the toctree that should list it.
    pytest.param(
        chapter_not_in_toctree,
        [at("book/ch2.md"), at("book/index.md", "{toctree}")],
        id="chapter-not-in-toctree",
    ),
    pytest.param(
        chapter_listed_twice,
        [at("book/index.md", "{toctree}"), at("book/index.md", "ch1", nth=2)],
        id="chapter-listed-twice",
    ),
    pytest.param(remote_image, [at(CH1, "https://example.com/x.png")], id="image-remote"),
    pytest.param(file_url_image, [at(CH1, "file:///etc/passwd")], id="image-file-url"),
    pytest.param(exercise_unknown_type, [at(YAML1, "fill-in-the-blank")], id="exercise-unknown-type"),
    pytest.param(exercise_unknown_field, [at(YAML1, "colour: red")], id="exercise-unknown-field"),
    # The field is absent: the exercise it belongs to is the place to point at.
    pytest.param(exercise_missing_answer, [at(YAML1, "id: one-why")], id="exercise-missing-answer"),
    pytest.param(
        exercise_answer_not_a_choice, [at(YAML1, "The ugly one")], id="exercise-answer-not-a-choice"
    ),
    pytest.param(
        exercise_duplicate_id_in_file, [at(YAML1, "id: one-why", nth=2)], id="exercise-duplicate-id-in-file"
    ),
    pytest.param(
        exercise_duplicate_id_across_files,
        [at("exercises/ch2.yaml", "id: one-why")],
        id="exercise-duplicate-id-across-files",
    ),
    pytest.param(
        exercise_unknown_objective, [at(YAML1, "objective: contrast")], id="exercise-unknown-objective"
    ),
    pytest.param(
        exercise_unknown_section, [at(YAML1, "section: sec-nowhere")], id="exercise-unknown-section"
    ),
    # The unclosed bracket, or the line where the YAML parser notices it.
    pytest.param(
        exercise_yaml_syntax,
        [at(YAML1, "[The bad one"), at(YAML1, "[The bad one", after=1)],
        id="exercise-yaml-syntax",
    ),
    pytest.param(
        exercise_true_false_not_boolean, [at(YAML1, "answer: maybe")], id="exercise-true-false-not-boolean"
    ),
    pytest.param(exercise_duplicate_key, [at(YAML1, "answer: false")], id="exercise-duplicate-key"),
    pytest.param(exercise_python_tag, [at(YAML1, "!!python/object")], id="exercise-python-tag"),
    pytest.param(exercise_alias, [at(YAML1, "&same")], id="exercise-yaml-alias"),
]


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> Path:
    """The minimal book built once in every format: the "previous good output"."""
    base = tmp_path_factory.mktemp("good")
    source = base / "minimal"
    shutil.copytree(ROOTS / "minimal", source)
    build = run_build(base / "_build", *FORMATS, source=source / "book")
    assert build.returncode == 0, build.output
    for path in (build.html / "index.html", build.html / "ch1.html", build.epub, build.pdf):
        assert path.is_file(), path
    return build.root


@pytest.fixture
def previous(good_build, tmp_path) -> Path:
    """A build folder holding the good outputs, as a user's _build/ would after `make`."""
    target = tmp_path / "_build"
    shutil.copytree(good_build, target, symlinks=True)
    return target


def rebuild(build_dir: Path, book: Path):
    return run_build(build_dir, *FORMATS, source=book / "book")


LOCATION = re.compile(r"^(?P<path>/\S+?):(?P<line>\d+): ", re.MULTILINE)
MAX_LINES = 12  # a single mistake deserves a few lines, not pages of diagnostics


def assert_refused(build, before: dict, book: Path, places: list[At]) -> None:
    output = build.output
    assert build.returncode != 0, f"the build succeeded; output:\n{output}"
    assert "Traceback" not in output, output
    patterns = [place.pattern(book) for place in places]
    assert any(re.search(p, output) for p in patterns), f"the output names none of {patterns}:\n{output}"
    for match in LOCATION.finditer(output):
        path, line = Path(match["path"]), int(match["line"])
        assert path.is_file(), f"the output names {path}, which does not exist:\n{output}"
        assert 1 <= line <= len(path.read_bytes().splitlines()) + 1, f"{path} has no line {line}:\n{output}"
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) <= MAX_LINES, f"the output is not short:\n{output}"
    repeated = sorted({line for line in lines if lines.count(line) > 1})
    assert not repeated, f"the same message is printed more than once: {repeated}\n{output}"
    assert published(build.root) == before, "the previous outputs were changed"


# -- tests ---------------------------------------------------------------------------------


def test_unchanged_book_rebuilds(previous, fixture_book):
    """Control: the copied good build and a fresh copy of the book rebuild cleanly, and a
    successful build does republish (so "unchanged" below means something)."""
    book = fixture_book("minimal")
    before = published(previous)
    build = rebuild(previous, book)
    assert build.returncode == 0, build.output
    assert "WARNING" not in build.output, build.output
    assert published(previous) != before


@pytest.mark.parametrize(("mutate", "places"), CASES)
def test_bad_input_is_refused(mutate, places, previous, fixture_book):
    book = fixture_book("minimal")
    before = published(previous)
    assert before, "the good build published nothing"
    mutate(book)
    build = rebuild(previous, book)
    assert_refused(build, before, book, places)


def test_every_problem_is_listed(previous, fixture_book):
    """Two unrelated mistakes in one build: both are reported, not only the first."""
    book = fixture_book("minimal")
    before = published(previous)
    unknown_term(book)
    exercise_unknown_type(book)
    build = rebuild(previous, book)
    assert_refused(build, before, book, [at(CH1, "Nosuchterm")])
    assert_refused(build, before, book, [at(YAML1, "fill-in-the-blank")])
    assert "Nosuchterm" in build.output, build.output
    assert "fill-in-the-blank" in build.output, build.output
