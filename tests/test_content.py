"""The content itself: the real chapters, glossary, references, figures and exercises, and
what the real build makes of them.

These tests read the sources in book/ and exercises/ (and, for the essay and the works that
may be cited, the seed essay and source notes kept beside the repository in shared/), and
the HTML, EPUB and PDF of the session build. Each one names the file and the offending text
when it fails, so a writer can fix the content rather than the test.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from lxml import html as lxml_html

from conftest import IN_CI, ROOT

BOOK = ROOT / "book"
EXERCISES = ROOT / "exercises"
CHAPTERS = sorted((BOOK / "chapters").glob("*.md"))
GLOSSARY = BOOK / "back" / "glossary.md"
WHOS_WHO = BOOK / "back" / "whos-who.md"
BIB = BOOK / "references.bib"
TIMELINE = BOOK / "figures" / "timeline.yaml"
SHARED = Path(os.environ.get("STUDYGUIDE_SHARED", ROOT.parent / "shared"))
ESSAY_NAME = "000_22fc7ae5aae438c9.txt"

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
CYRILLIC_WORD = re.compile(r"[\u0400-\u04FF]+")
TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")
CITE_ROLE = re.compile(r"\{cite:([a-z]+)\}`([^`]+)`")
INDEX_ROLE = re.compile(r"\{index\}`([^`]+)`")
FENCE_OPEN = re.compile(r"^(`{3,})\{([\w:-]+)\}[ \t]*(.*)$")

# Each person gets one index entry, "Surname, Forename" (forenames as in the source notes).
PEOPLE = {
    "Stalin": "Stalin, Joseph",
    "Zhukov": "Zhukov, Georgy",
    "Khrushchev": "Khrushchev, Nikita",
    "Voroshilov": "Voroshilov, Kliment",
    "Timoshenko": "Timoshenko, Semyon",
    "Vasilevsky": "Vasilevsky, Aleksandr",
    "Hitler": "Hitler, Adolf",
    "Krivosheev": "Krivosheev, Grigory",
}
RUSSIAN_PEOPLE = ["Khrushchev", "Stalin", "Timoshenko", "Vasilevsky", "Voroshilov", "Zhukov",
                  "Krivosheev"]

# Source-notes contested claims, each with keywords that a debate box about it must contain
# (all of them, case-insensitive, in the box's title or body).
CONTESTED = {
    '"Not a step back!"': ["not a step back", "order no. 227", "1942"],
    '"during the Berlin Crisis"': ["berlin crisis", "1948", "1952"],
    "Kharkov warnings / against Zhukov's advice": ["kharkov", "zhukov's advice", "khrushchev",
                                                   "warned"],
    "90,000 men left to defend Moscow": ["90,000", "memoirs", "moscow"],
    "600,000 captured at Vyazma and Bryansk": ["600,000", "660,000", "vyazma", "bryansk"],
    '"saved Leningrad"': ["saved", "leningrad", "hitler", "starve"],
}

INDEX_MUST_LIST = ["Zhukov, Georgy", "Stalin, Joseph", "Leningrad", "Moscow", "Rzhev", "Kharkov",
                   "Vyazma", "Stavka"]


# --------------------------------------------------------------------------- source parsing

@dataclass
class Directive:
    name: str
    argument: str
    options: dict[str, str]
    body: str
    line: int
    path: Path = field(default=None)

    @property
    def text(self) -> str:
        return f"{self.argument}\n{self.body}"


def directives(path: Path, name: str | None = None) -> list[Directive]:
    """The ```{name} fenced directives of a MyST file (options, body and line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        match = FENCE_OPEN.match(lines[i])
        if not match:
            i += 1
            continue
        ticks, dname, argument = match[1], match[2], match[3].strip()
        start, i = i + 1, i + 1
        options: dict[str, str] = {}
        while i < len(lines) and re.match(r"^:[\w-]+:", lines[i]):
            key, _, value = lines[i][1:].partition(":")
            options[key] = value.strip()
            i += 1
        body = []
        while i < len(lines) and not re.fullmatch(rf"{ticks}`*\s*", lines[i]):
            body.append(lines[i])
            i += 1
        i += 1
        if name is None or dname == name:
            found.append(Directive(dname, argument, options, "\n".join(body), start, path))
    return found


def md_files() -> list[Path]:
    return sorted(BOOK.rglob("*.md"))


def yaml_files() -> list[Path]:
    return sorted(EXERCISES.glob("*.yaml"))


def source_files() -> list[Path]:
    return md_files() + yaml_files()


def role_target(content: str) -> str:
    """`text <Target>` -> Target; `Target` -> Target."""
    match = re.fullmatch(r"(?s).*<([^<>]+)>\s*", content)
    return (match[1] if match else content).strip()


def role_text(content: str) -> str:
    """`text <Target>` -> text; `Target` -> Target."""
    match = re.fullmatch(r"(?s)(.*?)\s*<[^<>]+>\s*", content)
    return (match[1] if match else content).strip()


def strip_markup(text: str) -> str:
    """MyST markup reduced to what a reader sees (roughly): roles to their text."""
    text = re.sub(r"\{(?:cite:[a-z]+|ref|numref|doc|eq)\}`[^`]*`", " ", text)
    text = re.sub(r"\{[\w:-]+\}`([^`]*)`", lambda m: role_text(m[1]), text)
    text = re.sub(r"\*{1,3}|`", "", text)
    return text


def glossary_terms() -> dict[str, str]:
    """Glossary term -> its definition, from the {glossary} block."""
    (block,) = directives(GLOSSARY, "glossary")
    terms: dict[str, str] = {}
    current = None
    for line in block.body.splitlines():
        if not line.strip():
            continue
        if line[0].isspace():
            assert current, f"{GLOSSARY}: definition before any term: {line!r}"
            terms[current] += " " + line.strip()
        else:
            current = line.strip()
            assert current not in terms, f"{GLOSSARY}: term defined twice: {current}"
            terms[current] = ""
    return {term: definition.strip() for term, definition in terms.items()}


def bib_entries() -> dict[str, dict[str, str]]:
    text = BIB.read_text(encoding="utf-8")
    entries = {}
    for match in re.finditer(r"@\w+\{([^,\s]+),(.*?)\n\}", text, re.S):
        fields = {k.lower(): re.sub(r"[{}]", "", v).strip()
                  for k, v in re.findall(r"(\w+)\s*=\s*(\{.*?\}),?\s*$", match[2], re.M)}
        entries[match[1]] = fields
    return entries


def normalise_title(title: str) -> str:
    title = title.replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", re.sub(r"[^\w' ]", " ", title)).strip().lower()


def shared_file(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        message = f"{path} is missing (set STUDYGUIDE_SHARED to the shared/ folder)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def prose_words(path: Path) -> list[str]:
    """The words a reader reads: fences, directive options, labels and role markup removed."""
    kept = []
    in_options = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE_OPEN.match(line):
            in_options = True
            continue
        if in_options and re.match(r"^:[\w-]+:", line):
            continue
        in_options = False
        if re.fullmatch(r"`{3,}\s*", line) or re.fullmatch(r"\([\w-]+\)=\s*", line):
            continue
        if re.fullmatch(r"\|?[\s|:-]+\|?", line) and "-" in line:  # table rule
            continue
        kept.append(line)
    text = strip_markup("\n".join(kept))
    return re.findall(r"[^\W_]+(?:['’.\-][^\W_]+)*", text)


# --------------------------------------------------------------------------- build helpers

def html_pages(book) -> list[Path]:
    return sorted(p for p in book.html.rglob("*.html") if "_static" not in p.parts)


def parse_html(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def classes(element) -> set[str]:
    return set((element.get("class") or "").split())


# =========================================================================== 1. chapters

@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_structure(chapter):
    text = chapter.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert re.fullmatch(r"\(ch-[a-z0-9-]+\)=", lines[0]), f"{chapter.name}: no (ch-...)= label first"
    assert re.fullmatch(r"# \S.*", lines[1]), f"{chapter.name}: no '# Title' after the label"

    objectives = directives(chapter, "objectives")
    assert len(objectives) == 1, f"{chapter.name}: expected one {{objectives}} block"
    entries = [line for line in objectives[0].body.splitlines() if line.strip()]
    assert 3 <= len(entries) <= 5, f"{chapter.name}: {len(entries)} objectives, want 3-5"
    keys = []
    for entry in entries:
        match = re.fullmatch(r"([a-z][a-z0-9-]*): (\S.{9,})", entry)
        assert match, f"{chapter.name}: objective line is not 'key: text': {entry!r}"
        keys.append(match[1])
    assert len(set(keys)) == len(keys), f"{chapter.name}: duplicate objective keys {keys}"

    headings = {line: n for n, line in enumerate(text.splitlines()) if line.startswith("## ")}
    for heading in ("## Summary", "## Key terms", "## Review exercises"):
        assert heading in headings, f"{chapter.name}: no {heading!r} section"
    assert headings["## Summary"] < headings["## Key terms"] < headings["## Review exercises"], \
        f"{chapter.name}: the chapter must end Summary, Key terms, Review exercises"

    all_lines = text.splitlines()
    items = []
    for line in all_lines[headings["## Key terms"] + 1:]:
        if line.startswith("#") or re.fullmatch(r"\([\w-]+\)=", line):
            break
        if line.strip():
            items.append(line.strip())
    assert items, f"{chapter.name}: 'Key terms' has no items"
    for item in items:
        assert re.fullmatch(r"- \{term\}`[^`]+`", item), \
            f"{chapter.name}: Key terms item is not a single {{term}} role: {item!r}"

    exercises = directives(chapter, "exercises")
    assert len(exercises) == 1, f"{chapter.name}: expected one {{exercises}} directive"
    assert exercises[0].line > headings["## Review exercises"], \
        f"{chapter.name}: the {{exercises}} directive is not in 'Review exercises'"
    target = EXERCISES / f"{exercises[0].argument}.yaml"
    assert exercises[0].argument and target.exists(), \
        f"{chapter.name}: {{exercises}} names {exercises[0].argument!r}, but {target} does not exist"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["chapter"] == f"chapters/{chapter.stem}", \
        f"{target.name}: 'chapter: {data['chapter']}' does not match {chapter.name}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_length(chapter):
    words = len(prose_words(chapter))
    assert 2500 <= words <= 4000, f"{chapter.name}: {words} words of prose, want 2,500-4,000"


def test_prose_word_count_ignores_markup(tmp_path):
    sample = tmp_path / "sample.md"
    sample.write_text("(ch-x)=\n# Title here\n\n```{figure} /a.svg\n:name: fig-a\n:alt: Alt\n"
                      "Caption words.\n```\n\nSee {term}`the front <Front>` {cite:p}`roberts2012`"
                      " and {ref}`sec-x`.\n", encoding="utf-8")
    assert prose_words(sample) == ["Title", "here", "Caption", "words", "See", "the", "front", "and"]


# =========================================================================== 2. glossary

def test_every_term_role_names_a_glossary_term():
    defined = {term.lower() for term in glossary_terms()}
    assert len(defined) >= 20
    problems, used = [], 0
    for path in source_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in TERM_ROLE.finditer(line):
                used += 1
                target = role_target(match[1])
                if target.lower() not in defined:
                    problems.append(f"{path.relative_to(ROOT)}:{number}: {{term}}`{match[1]}`")
    assert used > 100
    assert not problems, "terms missing from the glossary:\n" + "\n".join(problems)


def test_glossary_links_in_html_land_on_glossary_entries(book):
    glossary_page = book.html / "back" / "glossary.html"
    ids = set(parse_html(glossary_page).xpath("//@id"))
    term_ids = {i for i in ids if i.startswith("term-")}
    assert len(term_ids) == len(glossary_terms())
    links, problems = 0, []
    for page in html_pages(book):
        tree = parse_html(page)
        for anchor in tree.iter("a"):
            if "reference" not in classes(anchor):
                continue
            if "std-term" not in classes(anchor) and not any(
                    "std-term" in classes(child) for child in anchor.iter()):
                continue
            links += 1
            href = urlparse(anchor.get("href") or "")
            target = (page.parent / unquote(href.path)).resolve() if href.path else page
            if target != glossary_page.resolve() or unquote(href.fragment) not in term_ids:
                problems.append(f"{page.relative_to(book.html)}: {anchor.get('href')}")
    assert links > 100
    assert not problems, "glossary links that go nowhere:\n" + "\n".join(problems)


# =========================================================================== 3. references

def test_every_citation_key_is_in_the_bibliography():
    keys = set(bib_entries())
    problems, used = [], set()
    for path in source_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in CITE_ROLE.finditer(line):
                assert match[1] in ("p", "t"), f"{path}:{number}: use {{cite:p}} or {{cite:t}}"
                for key in (k.strip() for k in match[2].split(",")):
                    used.add(key)
                    if key not in keys:
                        problems.append(f"{path.relative_to(ROOT)}:{number}: {key}")
    assert not problems, "citation keys missing from references.bib:\n" + "\n".join(problems)
    assert used == keys, f"works in references.bib never cited: {sorted(keys - used)}"


def test_bibliography_holds_exactly_the_works_of_the_source_notes():
    notes = shared_file("source-notes.md").read_text(encoding="utf-8")
    reading = notes.split("## Further reading", 1)[1]
    items = re.split(r"\n- ", reading)[1:]
    assert len(items) == 9, "the source notes should list nine works"
    allowed = []
    for item in items:
        match = re.search(r"\*([^*]+)\*", item) or re.search(r'"([^"]+)"', item)
        allowed.append(normalise_title(match[1]))
    entries = bib_entries()
    assert len(entries) == 9, f"references.bib has {len(entries)} entries, want the nine works"
    titles = {key: normalise_title(fields["title"]) for key, fields in entries.items()}
    strays = {key: title for key, title in titles.items() if title not in allowed}
    assert not strays, f"works not in the source notes: {strays}"
    assert sorted(titles.values()) == sorted(allowed)


def test_further_reading_bibliography_lists_nine_entries(book):
    tree = parse_html(book.html / "back" / "further-reading.html")
    (section,) = tree.xpath("//section[@id='bibliography']")
    entries = section.xpath(".//div[contains(concat(' ', @class, ' '), ' citation ')]")
    assert len(entries) == 9, [e.text_content() for e in entries]
    text = " ".join(normalise_title(e.text_content()) for e in entries)
    for fields in bib_entries().values():
        assert normalise_title(fields["title"]) in text


# =========================================================================== 4. figures

def test_every_figure_has_alt_text_and_a_name():
    figures = [d for path in md_files() for d in directives(path, "figure")]
    assert len(figures) >= 3
    for figure in figures:
        where = f"{figure.path.relative_to(ROOT)}:{figure.line}"
        assert figure.options.get("alt", "").strip(), f"{where}: figure without :alt:"
        assert len(figure.options["alt"].split()) >= 10, f"{where}: :alt: is too short to help"
        assert re.fullmatch(r"fig-[a-z0-9-]+", figure.options.get("name", "")), \
            f"{where}: figure without a :name: fig-..."
        assert figure.body.strip(), f"{where}: figure without a caption"


def test_every_html_image_has_alt_text(book):
    images = 0
    for page in html_pages(book):
        for img in parse_html(page).iter("img"):
            images += 1
            assert (img.get("alt") or "").strip(), f"{page.relative_to(book.html)}: {img.get('src')}"
    assert images >= 3


def test_generated_figures_are_in_the_html(book):
    for name in ("locator-map.svg", "timeline.svg", "losses.svg"):
        image = book.html / "_images" / name
        assert image.exists() and image.stat().st_size > 1000, f"missing {image}"
        assert b"<svg" in image.read_bytes()[:4000]


# =========================================================================== 5. essay reuse

WINDOW = 80


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    for a, b in (("“", '"'), ("”", '"'), ("„", '"'), ("‘", "'"), ("’", "'"), ("—", "-"), ("–", "-"),
                 ("\u00a0", " ")):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text).strip().lower()


def essay_windows() -> set[str]:
    essay = normalise(shared_file(f"seed/{ESSAY_NAME}").read_text(encoding="utf-8"))
    assert len(essay) > 5000
    return {essay[i:i + WINDOW] for i in range(len(essay) - WINDOW + 1)}


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of "..." quotations (typographic quotes are already straightened)."""
    return [m.span() for m in re.finditer(r'"[^"]*"', text)]


def shared_runs(text: str, windows: set[str]) -> list[tuple[int, int]]:
    """Maximal runs of `text` made of windows that also occur in the essay."""
    runs: list[tuple[int, int]] = []
    for i in range(len(text) - WINDOW + 1):
        if text[i:i + WINDOW] in windows:
            if runs and i <= runs[-1][1] - WINDOW + 1:
                runs[-1] = (runs[-1][0], i + WINDOW)
            else:
                runs.append((i, i + WINDOW))
    return runs


def reused_passages(passages, windows) -> list[str]:
    """passages: (where, text, quoted). Unquoted runs shared with the essay."""
    problems = []
    for where, raw, quoted in passages:
        if quoted:
            continue
        text = normalise(strip_markup(raw))
        masked = text
        for start, end in quoted_spans(text):  # quotations may repeat the essay
            masked = masked[:start] + "\0" * (end - start) + masked[end:]
        for start, end in shared_runs(masked, windows):
            problems.append(f"{where}: {text[start:end]!r}")
    return problems


def markdown_passages(path: Path, root: Path | None = None):
    """Paragraphs of a MyST file; blockquotes and {epigraph} blocks count as quotations."""
    root = root or ROOT
    paragraph: list[tuple[str, bool]] = []
    start, in_epigraph = 1, False
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines + [""], 1):
        opening = FENCE_OPEN.match(line)
        if opening and opening[2] == "epigraph":
            in_epigraph = True
        elif in_epigraph and re.fullmatch(r"`{3,}\s*", line):
            in_epigraph = False
        if line.strip():
            if not paragraph:
                start = number
            paragraph.append((line, in_epigraph))
            continue
        if paragraph:
            quoted = all(l.lstrip().startswith(">") or e for l, e in paragraph)
            yield f"{path.relative_to(root)}:{start}", " ".join(l for l, _ in paragraph), quoted
            paragraph = []


def yaml_passages(path: Path, root: Path | None = None):
    root = root or ROOT
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def walk(node, trail):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, trail + [str(key)])
        elif isinstance(node, list):
            for n, value in enumerate(node):
                yield from walk(value, trail + [str(n)])
        elif isinstance(node, str):
            quoted = trail[-1] == "source"
            for paragraph in re.split(r"\n\s*\n", node):
                yield f"{path.relative_to(root)} ({'.'.join(trail)})", paragraph, quoted

    yield from walk(data, [])


def test_no_run_of_the_essay_outside_a_quotation():
    windows = essay_windows()
    passages = [p for path in md_files() for p in markdown_passages(path)]
    passages += [p for path in yaml_files() for p in yaml_passages(path)]
    assert len(passages) > 300
    problems = reused_passages(passages, windows)
    assert not problems, ("80+ characters copied from the essay outside a quotation; "
                          "rewrite in your own words:\n" + "\n".join(problems))


def test_essay_reuse_check_catches_copying_and_spares_quotations(tmp_path):
    essay = ("Arriving under fire, Zhukov imposed draconian discipline: any soldier retreating "
             "without orders faced execution. He organized desperate counterattacks.")
    windows = {normalise(essay)[i:i + WINDOW] for i in range(len(essay) - WINDOW + 1)}
    copied = "He came. Arriving  under fire, Zhukov imposed draconian discipline: any soldier " \
             "retreating without orders faced execution. And so on."
    quoted = f"The essay says “{copied[9:-8]}” here."
    half = ("ARRIVING under fire, *Zhukov* imposed draconian discipline: any {term}`soldier "
            "<Army>` retreating without orders \"faced execution\".")
    assert reused_passages([("a", copied, False)], windows)
    assert reused_passages([("b", half, False)], windows)
    assert not reused_passages([("c", quoted, False)], windows)
    assert not reused_passages([("d", copied, True)], windows)
    assert not reused_passages([("e", "Zhukov arrived while the city was under attack.", False)],
                               windows)
    chapter = tmp_path / "book" / "x.md"
    chapter.parent.mkdir()
    chapter.write_text(f"Intro.\n\n> {copied}\n> more\n\n{copied}\n", encoding="utf-8")
    found = reused_passages(list(markdown_passages(chapter, tmp_path)), windows)
    assert [p.split(":")[:2] for p in found] == [["book/x.md", "6"]]
    exercises = tmp_path / "x.yaml"
    exercises.write_text(yaml.safe_dump({"exercises": [{"source": copied, "prompt": copied}]}))
    found = reused_passages(list(yaml_passages(exercises, tmp_path)), windows)
    assert len(found) == 1 and "prompt" in found[0]


# =========================================================================== 6. debates

def debate_boxes() -> list[Directive]:
    return [d for path in CHAPTERS for d in directives(path, "debate")]


@pytest.mark.parametrize("claim", CONTESTED, ids=list(CONTESTED))
def test_contested_claim_has_a_debate_box(claim):
    keywords = CONTESTED[claim]
    boxes = debate_boxes()
    assert boxes, "no {debate} boxes in the chapters"
    texts = [normalise(strip_markup(box.text)) for box in boxes]
    assert any(all(k in text for k in keywords) for text in texts), \
        f"no {{debate}} box sets out the contested claim {claim} (looked for {keywords})"


def test_every_debate_box_has_a_question_and_mentions_historians():
    for box in debate_boxes():
        where = f"{box.path.name}:{box.line}"
        assert box.argument.endswith("?"), f"{where}: the debate title should be a question"
        assert "historian" in box.body.lower(), f"{where}: say where historians stand"


# =========================================================================== 7. Cyrillic

def test_every_glossary_definition_opens_with_cyrillic():
    for term, definition in glossary_terms().items():
        assert re.match(r"[\u0400-\u04FF][^()]*\(\*[^*]+\*\)", definition), \
            f"glossary: {term!r} does not open with the Cyrillic and its transliteration"


def whos_who_rows() -> dict[str, str]:
    rows = {}
    for line in WHOS_WHO.read_text(encoding="utf-8").splitlines():
        if line.startswith("| {index}"):
            first = line.split("|")[1]
            rows[first] = line
    return rows


@pytest.mark.parametrize("surname", RUSSIAN_PEOPLE)
def test_whos_who_gives_cyrillic_for_russian_people(surname):
    cells = [cell for cell in whos_who_rows() if surname in cell]
    assert len(cells) == 1, f"who's who: {len(cells)} rows for {surname}"
    assert re.search(r"\([\u0400-\u04FF][\u0400-\u04FF ]+\)", cells[0]), \
        f"who's who: no Cyrillic for {surname}: {cells[0]!r}"


def test_cyrillic_only_in_glossary_and_whos_who():
    for path in source_files():
        if path in (GLOSSARY, WHOS_WHO):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not CYRILLIC.search(line), \
                f"{path.relative_to(ROOT)}:{number}: Cyrillic belongs in the glossary or who's who"


def source_cyrillic_words() -> set[str]:
    words = set()
    for path in (GLOSSARY, WHOS_WHO):
        words |= set(CYRILLIC_WORD.findall(path.read_text(encoding="utf-8")))
    return words


def test_cyrillic_words_are_text_in_the_pdf(pdf_pages_text):
    text = "\n".join(pdf_pages_text)
    words = source_cyrillic_words()
    assert len(words) > 40
    missing = sorted(w for w in words if w not in text)
    assert not missing, f"Cyrillic missing from the PDF text: {missing}"


def test_pdf_cyrillic_is_set_in_embedded_noto_subsets(book, pdf_pages_text):
    import pikepdf

    with pikepdf.open(book.pdf) as pdf:
        pages = [n for n, text in enumerate(pdf_pages_text) if CYRILLIC.search(text)]
        assert pages, "no Cyrillic in the PDF"
        for n in pages:
            with_cyrillic = []
            for font in pdf.pages[n].Resources.get("/Font", {}).values():
                name = str(font.BaseFont)
                assert re.match(r"/[A-Z]{6}\+Noto-", name), f"page {n + 1}: font {name} is not Noto"
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
                    f"page {n + 1}: {name} is not embedded"
                cmap = font.get("/ToUnicode")
                if cmap is not None and re.search(rb"<04[0-4][0-9A-Fa-f]>", cmap.read_bytes()):
                    with_cyrillic.append(name)
            assert with_cyrillic, f"page {n + 1}: no font maps glyphs to Cyrillic"


def test_epub_glossary_has_cyrillic_and_css_declares_noto(book):
    with zipfile.ZipFile(book.epub) as epub:
        names = epub.namelist()
        glossary = epub.read("back/glossary.xhtml").decode()
        whos_who = epub.read("back/whos-who.xhtml").decode()
        css = epub.read("_static/book-epub.css").decode()
        for word in CYRILLIC_WORD.findall(GLOSSARY.read_text(encoding="utf-8")):
            assert word in glossary, f"EPUB glossary lacks {word}"
        for word in CYRILLIC_WORD.findall(WHOS_WHO.read_text(encoding="utf-8")):
            assert word in whos_who, f"EPUB who's who lacks {word}"
        faces = re.findall(r"@font-face\s*\{([^}]*)\}", css)
        families = {re.search(r'font-family:\s*"([^"]+)"', f)[1] for f in faces}
        assert {"Noto Serif", "Noto Sans"} <= families, families
        for face in faces:
            src = re.search(r"url\(([^)]+)\)", face)[1].strip("'\"")
            assert f"_static/{src}" in names, f"EPUB CSS points at missing font {src}"
        assert re.search(r'body\s*\{[^}]*font-family:\s*"Noto Serif"', css)


# =========================================================================== 8. index

def index_entries(book) -> dict[str, list[str]]:
    """Top-level genindex entries -> their links."""
    tree = parse_html(book.html / "genindex.html")
    entries: dict[str, list[str]] = {}
    for li in tree.xpath("//table[contains(@class, 'genindextable')]/tr/td/ul/li"):
        first = li.xpath("./a[1]")
        label = (first[0].text_content() if first else (li.text or "")).strip()
        hrefs = li.xpath("./a/@href") + li.xpath("./ul//a/@href")
        entries.setdefault(label, []).extend(hrefs)
    return entries


@pytest.mark.parametrize("entry", INDEX_MUST_LIST)
def test_index_lists_key_people_places_and_terms(book, entry):
    entries = index_entries(book)
    assert entry in entries, f"no index entry {entry!r}"
    assert entries[entry], f"index entry {entry!r} has no links"


@pytest.mark.parametrize("surname", PEOPLE)
def test_each_person_has_one_index_entry(book, surname):
    entries = index_entries(book)
    found = sorted(e for e in entries if re.match(rf"{surname}\b(?!')", e))
    assert found == [PEOPLE[surname]], f"index entries for {surname}: {found}"


def index_targets():
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        for match in INDEX_ROLE.finditer(text):
            line = text[:match.start()].count("\n") + 1
            yield path, line, role_target(match[1])
        for directive in directives(path, "index") if path.suffix == ".md" else []:
            for entry in [directive.argument] + directive.body.splitlines():
                if entry.strip():
                    yield path, directive.line, entry.strip()


def test_people_are_indexed_as_surname_forename():
    problems = []
    for path, line, target in index_targets():
        entry = re.sub(r"^(single|pair|triple|see|seealso):\s*", "", target)
        main = entry.split(";")[0].strip()
        for surname, canonical in PEOPLE.items():
            if re.match(rf"{surname}\b(?!')", main) and main != canonical:
                problems.append(f"{path.relative_to(ROOT)}:{line}: {target!r} (want {canonical!r})")
    assert not problems, "index entries for people must read 'Surname, Forename':\n" + \
        "\n".join(problems)


# =========================================================================== 9. timeline

def test_timeline_table_has_a_row_for_every_event(book):
    events = yaml.safe_load(TIMELINE.read_text(encoding="utf-8"))
    tree = parse_html(book.html / "back" / "timeline.html")
    (table,) = tree.xpath("//table[contains(@class, 'timeline-table')]")
    rows = table.xpath("./tbody/tr")
    assert len(rows) == len(events), f"{len(rows)} rows for {len(events)} events"
    cells = [[normalise(td.text_content()) for td in row.xpath("./td")] for row in rows]
    for event in events:
        detail = normalise(event["detail"])
        matches = [c for c in cells if c[-1] == detail]
        assert len(matches) == 1, f"timeline table: no row for {event['label']!r} ({event['date']})"
        assert matches[0][0], f"timeline table: no date for {event['label']!r}"
        year = str(event["date"])[:4]
        assert year in matches[0][0], f"timeline table: {event['label']!r} is not dated {year}"
