"""The web edition in a real browser: Debian's Chromium driven by Playwright, axe-core for
accessibility, served from localhost like a teacher's laptop would."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from lxml import html as lxml_html

from conftest import IN_CI, ROOT, serve

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@pytest.fixture(scope="module")
def site(book):
    with serve(book.html) as url:
        yield url


@pytest.fixture
def page(browser, site):
    context = browser.new_context()
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: page.problems.append(f"failed: {r.url}"))
    page.on(
        "request",
        lambda r: (
            not r.url.startswith((site, "data:", "blob:")) and page.problems.append(f"left the site: {r.url}")
        ),
    )
    yield page
    context.close()


def html_pages(book) -> list[str]:
    return sorted(
        str(p.relative_to(book.html))
        for p in book.html.rglob("*.html")
        if not p.name.startswith("_") and "_static" not in p.parts
    )


def test_every_page_loads_without_errors_or_foreign_requests(page, site, book):
    pages = html_pages(book)
    assert len(pages) >= 14
    for name in pages:
        page.goto(site + name, wait_until="networkidle")
        assert page.locator("html").get_attribute("lang") == "en"
    assert page.problems == [], "\n".join(page.problems)


def test_no_broken_local_links(book):
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            tree = lxml_html.parse(str(path))
            ids[path] = {e.get("id") for e in tree.iter() if e.get("id")} | {
                e.get("name") for e in tree.iter("a") if e.get("name")
            }
        return ids[path]

    broken = []
    for name in html_pages(book):
        source = book.html / name
        for link in lxml_html.parse(str(source)).iter("a", "link", "img", "script"):
            target = link.get("href") or link.get("src")
            if not target or urlparse(target).scheme or target.startswith(("mailto:", "javascript:")):
                continue
            url = urlparse(urljoin(name, target))
            path = book.html / url.path if url.path else source
            if path.is_dir():
                path = path / "index.html"
            if not path.is_file():
                broken.append(f"{name}: {target}")
            elif url.fragment and path.suffix == ".html" and url.fragment not in ids_of(path):
                broken.append(f"{name}: {target} (no anchor)")
    assert broken == []


def test_download_menu_serves_the_pdf_and_epub(page, site):
    page.goto(site + "chapters/1-alliance.html")
    links = page.locator("a[href*='downloads/']")
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert any(h.endswith(".pdf") for h in hrefs) and any(h.endswith(".epub") for h in hrefs)
    for href in hrefs:
        response = page.request.get(urljoin(page.url, href))
        assert response.status == 200
        body = response.body()
        assert body[:4] in (b"%PDF", b"PK\x03\x04") and len(body) > 100_000


AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core"


@functools.cache
def axe_script() -> str:
    """The axe-core pinned in tools/axe (the release a reader's checker runs today, not the
    older copy bundled in a Python wrapper)."""
    script = AXE / "axe.min.js"
    if not script.is_file():
        message = "axe-core is not installed; run `make .venv/axe/.installed`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return script.read_text(encoding="utf-8")


def axe_results(page, options: dict = WCAG) -> dict:
    page.add_script_tag(content=axe_script())
    return page.evaluate("options => axe.run(document, options)", options)


def run_axe(page) -> list[str]:
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})"
        for v in axe_results(page)["violations"]
    ]


def test_the_pinned_axe_core_is_the_one_injected(page, site):
    pinned = json.loads((ROOT / "tools" / "axe" / "package.json").read_text())["dependencies"]["axe-core"]
    page.goto(site + "index.html")
    page.add_script_tag(content=axe_script())
    version = page.evaluate("axe.version")
    assert version == pinned and tuple(map(int, version.split(".")[:2])) >= (4, 14), version


@pytest.mark.parametrize("name", ["chapters/1-alliance.html", "index.html", "genindex.html", "search.html"])
def test_search_button_label_is_in_its_name(page, site, name):
    """WCAG 2.5.3 (axe 4.14: label-content-name-mismatch): the search button's visible
    text ("Search", "Ctrl+K") must be part of its accessible name."""
    from playwright.sync_api import expect

    page.goto(site + name, wait_until="networkidle")
    buttons = [b for b in page.locator("button.search-button-field").all() if b.is_visible()]
    assert buttons
    for button in buttons:
        shown = button.inner_text().split()
        assert shown[0] == "Search" and "K" in shown[-1], shown
        expect(button).to_have_accessible_name(re.compile(r"\s*".join(map(re.escape, shown)), re.I))
    results = axe_results(page, {"runOnly": ["label-content-name-mismatch"]})
    assert results["violations"] == [], results["violations"]
    assert run_axe(page) == []


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_no_violation_on_any_page(browser, site, book, mode):
    context = browser.new_context(color_scheme=mode)  # the theme follows the reader's setting
    page = context.new_page()
    found = {}
    for name in html_pages(book):
        page.goto(site + name, wait_until="networkidle")
        assert page.evaluate("document.documentElement.dataset.theme") == mode
        violations = run_axe(page)
        if violations:
            found[name] = violations
    context.close()
    assert found == {}


def exercise(page, exercise_id: str):
    return page.locator(f"[data-exercise='{exercise_id}']")


def first_of_type(book, kind: str) -> tuple[str, str]:
    for chapter in sorted((book.html / "chapters").glob("*.html")):
        tree = lxml_html.parse(str(chapter))
        for div in tree.iter("div"):
            if div.get("data-exercise") and f"exercise-{kind}" in div.get("class", "").split():
                return f"chapters/{chapter.name}", div.get("data-exercise")
    raise AssertionError(kind)


def test_solutions_start_hidden_and_choices_give_feedback(page, site, book):
    name, ex_id = first_of_type(book, "multiple-choice")
    page.goto(site + name)
    box = exercise(page, ex_id)
    solution = box.locator("details.exercise-solution")
    assert solution.get_attribute("open") is None
    assert not solution.locator("p").nth(1).is_visible()
    fieldset = box.locator("fieldset")
    correct = int(fieldset.get_attribute("data-correct"))
    options = box.locator("input[type=radio]")
    wrong = (correct + 1) % options.count()
    options.nth(wrong).check()
    box.locator(".exercise-check").click()
    feedback = box.locator(".exercise-feedback")
    assert feedback.get_attribute("role") == "status"
    assert feedback.inner_text().startswith("Not quite. The right answer is:")
    assert solution.get_attribute("open") is not None  # the why is shown with the verdict
    options.nth(correct).check()
    box.locator(".exercise-check").click()
    assert feedback.inner_text().startswith("Correct")
    assert page.problems == []


@pytest.mark.parametrize("kind", ["ordering", "matching", "true-false"])
def test_other_self_checks(page, site, book, kind):
    name, ex_id = first_of_type(book, kind)
    page.goto(site + name)
    box = exercise(page, ex_id)
    feedback = box.locator(".exercise-feedback")
    if kind == "true-false":
        correct = int(box.locator("fieldset").get_attribute("data-correct"))
        box.locator("input[type=radio]").nth(1 - correct).check()
        box.locator(".exercise-check").click()
        assert feedback.inner_text().startswith("Not quite")
        box.locator("input[type=radio]").nth(correct).check()
    else:
        expected = box.locator("fieldset").get_attribute("data-correct").split("|")
        selects = box.locator("select")
        box.locator(".exercise-check").click()
        assert feedback.inner_text().startswith("Answer every row")
        wrong = expected[1:] + expected[:1]
        for i, value in enumerate(wrong):
            selects.nth(i).select_option(value)
        box.locator(".exercise-check").click()
        assert feedback.inner_text().startswith("Not quite")
        for i, value in enumerate(expected):
            selects.nth(i).select_option(value)
    box.locator(".exercise-check").click()
    assert feedback.inner_text().startswith("Correct")


def test_exercises_work_by_keyboard_alone_with_visible_focus(page, site, book):
    name, ex_id = first_of_type(book, "multiple-choice")
    page.goto(site + name)
    box = exercise(page, ex_id)
    correct = int(box.locator("fieldset").get_attribute("data-correct"))
    box.locator("input[type=radio]").first.focus()
    for _ in range(correct):
        page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.value")
    assert focused == str(correct)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "exercise-check"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert box.locator(".exercise-feedback").inner_text().startswith("Correct")
    # the hint and the solution open from the keyboard too
    summary = box.locator("details.exercise-solution summary")
    summary.focus()
    page.keyboard.press("Enter")


def test_axe_with_exercises_answered(page, site, book):
    name, ex_id = first_of_type(book, "multiple-choice")
    page.goto(site + name, wait_until="networkidle")
    for check in page.locator(".exercise-check").all()[:6]:
        box = check.locator("xpath=ancestor::fieldset")
        radios = box.locator("input[type=radio]")
        if radios.count():
            radios.first.check()
        check.click()
    for details in page.locator("details").all():
        details.evaluate("d => d.open = true")
    assert run_axe(page) == []


def test_every_control_is_reachable_by_tab_and_visibly_focused(page, site, book):
    name, ex_id = first_of_type(book, "multiple-choice")
    page.goto(site + name, wait_until="networkidle")
    page.evaluate("window.__seen = new Set(); window.__invisible = []")
    for _ in range(400):
        page.keyboard.press("Tab")
        page.evaluate("""() => {
            const e = document.activeElement, s = getComputedStyle(e);
            if (window.__seen.has(e) || e === document.body) return;
            window.__seen.add(e);
            const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                            || s.boxShadow !== 'none';
            if (!visible) window.__invisible.push(e.outerHTML.slice(0, 100));
        }""")
    reached = page.evaluate("[...window.__seen].filter(e => e.matches('.exercise-check')).length")
    assert reached == page.locator(".exercise-check").count()  # every self-check is in the tab order
    invisible = page.evaluate("window.__invisible")
    assert invisible == [], "\n".join(invisible)
