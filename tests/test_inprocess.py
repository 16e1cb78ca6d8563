"""In-process builds on Sphinx's test fixtures: what each edition's builder is handed.

The book in tests/roots/test-placement has two numbered chapters with three exercises and
an answer key. Each test builds it inside the test process and reads the doctree after
the post-transforms (``env.get_and_resolve_doctree``), which is exactly what the writer
turns into pages: where the solutions are, how exercises are numbered and what the answer
key holds, with no HTML or PDF parsing in between.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docutils import nodes

from studyguide.exercises import nodes as ex

from conftest import ROOT, ROOTS

EXERCISES = {"one": ["one-fact", "one-count"], "two": ["two-reason"]}
LABELS = {"one-fact": "Exercise 1.1", "one-count": "Exercise 1.2", "two-reason": "Exercise 2.1"}
placement = pytest.mark.sphinx(testroot="placement", copy_test_root=True, freshenv=True)


def built(app, docname: str) -> nodes.document:
    app.build()
    assert "WARNING" not in app.warning.getvalue() and "ERROR" not in app.warning.getvalue(), (
        app.warning.getvalue()
    )
    return app.env.get_and_resolve_doctree(docname, app.builder, tags=app.tags)


def exercises(tree: nodes.document) -> dict[str, ex.exercise]:
    return {node["exercise_id"]: node for node in tree.findall(ex.exercise)}


def solution_text(node: nodes.Node) -> str:
    return " ".join(s.astext() for s in node.findall(ex.exercise_solution))


def key_entries(tree: nodes.document) -> list[nodes.Element]:
    return [n for n in tree.findall(nodes.container) if "key-entry" in n["classes"]]


def refuris(node: nodes.Node) -> list[str]:
    return [r.get("refuri", "") for r in node.findall(nodes.reference)]


# --------------------------------------------------------------------------- solution placement


@placement
@pytest.mark.sphinx("epub", confoverrides={"studyguide_edition": "student"})
def test_student_paper_edition_moves_solutions_into_the_answer_key(app):
    for docname, ids in EXERCISES.items():
        found = exercises(built(app, docname))
        assert list(found) == ids
        for exercise_id, node in found.items():
            assert not list(node.findall(ex.exercise_solution)), f"{exercise_id}: solution left inline"
            assert "Solution-" not in node.astext()
            links = [u for u in refuris(node) if u.endswith(f"#key-{exercise_id}")]
            assert links == [f"answer-key.xhtml#key-{exercise_id}"], refuris(node)
            assert LABELS[exercise_id] in node.astext()

    key = app.env.get_and_resolve_doctree("answer-key", app.builder, tags=app.tags)
    entries = key_entries(key)
    assert [e["ids"] for e in entries] == [[f"key-{i}"] for ids in EXERCISES.values() for i in ids]
    for entry, exercise_id in zip(entries, LABELS):
        assert f"Solution-{exercise_id}" in entry.astext()
        back = [u for u in refuris(entry) if u.endswith(f"#ex-{exercise_id}")]
        assert back == [f"{exercise_id.split('-')[0]}.xhtml#ex-{exercise_id}"], refuris(entry)
        assert LABELS[exercise_id] in entry.astext()
    titles = [s[0].astext() for s in key.findall(nodes.section) if s["ids"][0].startswith("key-chapter")]
    assert titles == ["Chapter 1: The first chapter", "Chapter 2: The second chapter"]
    assert "Marking-two-reason" in key.astext()  # marking guidance goes with the solution
    assert "Objectives and the exercises" not in key.astext()  # the map is the instructor's


@placement
@pytest.mark.sphinx("html", confoverrides={"studyguide_edition": "student"})
def test_student_web_edition_keeps_each_solution_beside_its_exercise(app):
    for docname, ids in EXERCISES.items():
        found = exercises(built(app, docname))
        for exercise_id in ids:
            assert f"Solution-{exercise_id}" in solution_text(found[exercise_id])
            assert not [u for u in refuris(found[exercise_id]) if "#key-" in u]


@placement
@pytest.mark.sphinx("epub", confoverrides={"studyguide_edition": "instructor"})
def test_instructor_edition_puts_each_solution_after_its_exercise(app):
    for docname, ids in EXERCISES.items():
        found = exercises(built(app, docname))
        for exercise_id in ids:
            node = found[exercise_id]
            solutions = list(node.findall(ex.exercise_solution))
            assert len(solutions) == 1 and f"Solution-{exercise_id}" in solutions[0].astext()
            assert node.index(solutions[0]) > 0  # after the prompt, inside the exercise
            assert not [u for u in refuris(node) if "#key-" in u]
    assert "Marking-two-reason" in solution_text(exercises(built(app, "two"))["two-reason"])

    key = app.env.get_and_resolve_doctree("answer-key", app.builder, tags=app.tags)
    assert not key_entries(key)
    assert "Solution-" not in key.astext()
    assert "each solution and its marking guidance follow the exercise" in key.astext()
    table = [t for t in key.findall(nodes.table) if "objectives-map" in t["classes"]]
    assert len(table) == 1, "the instructor's objectives map is missing"
    rows = [[e.astext() for e in row.findall(nodes.entry)] for row in table[0].findall(nodes.row)]
    assert ["1", "Recall what the first chapter says.", "1.1, 1.2"] in rows
    assert ["2", "Explain what the second chapter says.", "2.1"] in rows


# --------------------------------------------------------------------------- no shared state


def test_two_applications_in_one_process_keep_their_own_navigation_state(make_app, tmp_path):
    """Reading one book must not change what another application thinks it has read."""
    first_src, second_src = tmp_path / "first", tmp_path / "second"
    shutil.copytree(ROOTS / "test-placement", first_src)
    shutil.copytree(ROOTS / "test-placement", second_src)
    for name in ("one.md", "two.md"):  # a different book: other titles and sections
        page = second_src / name
        page.write_text(page.read_text().replace("# The ", "# Another ").replace("## ", "## More "))
    first = make_app("html", srcdir=first_src)
    second = make_app("html", srcdir=second_src)
    first.build()
    second.build()

    # The first application starts an incremental build of "one" (navigation unchanged)...
    first.events.emit("env-before-read-docs", first.env, ["one"])
    # ...while the second reads its own documents, then renames a section of "two".
    second.events.emit("env-before-read-docs", second.env, ["two", "index"])
    second.env.titles["two"] = nodes.title("", "Renamed")

    rewritten = [d for result in first.events.emit("env-updated", first.env) for d in result]
    assert rewritten == [], "the first book's unchanged page made every page be rewritten"
    rewritten = [d for result in second.events.emit("env-updated", second.env) for d in result]
    assert sorted(rewritten) == sorted(second.env.found_docs)


def test_drawing_figures_leaves_matplotlib_settings_alone_and_ignores_them(tmp_path):
    """A figure does not depend on, or change, the process's matplotlib settings."""
    import matplotlib

    from studyguide.figures import losses, svg

    data = ROOT / "book" / "figures"
    if not (data / "losses.yaml").is_file():
        pytest.skip("the book has no losses figure")
    with svg.drawing():
        losses.render(data, tmp_path / "a.svg")
    before = dict(matplotlib.rcParams)
    with matplotlib.rc_context(
        {"font.size": 20, "text.color": "red", "lines.linewidth": 9, "svg.hashsalt": "other"}
    ):
        with svg.drawing():
            losses.render(data, tmp_path / "b.svg")
        assert matplotlib.rcParams["font.size"] == 20 and matplotlib.rcParams["svg.hashsalt"] == "other"
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.rcParams["svg.hashsalt"] != "studyguide"
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert b"<svg" in Path(tmp_path / "a.svg").read_bytes()[:400]
