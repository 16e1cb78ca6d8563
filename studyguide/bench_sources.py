"""The book as an author moving to Pandoc, Quarto or Paged.js would have it: one Pandoc
Markdown file, for ``make bench``'s rivals (studyguide.bench), so that they lay out the same
book as ``make pdf`` and their pages and seconds compare with ours.

The documents come in the order of book/index.md's toctrees: the front matter, the chapters
(their sections numbered to depth 2 as the toctree says, with every exercise: source,
prompt, choices, hint), then the back matter: the timeline (figure and a table from
timeline.yaml), who's who, the glossary (a Pandoc definition list whose terms {term} roles
link to), further reading with its bibliography (Pandoc's citeproc: {cite} roles become
``[@key]`` citations, ``{bibliography} :all:`` becomes ``nocite: '@*'``), the answer key
(answer, solution, marking guidance and level descriptors of every exercise, from the
exercise files, linked both ways) and the revision history (from revisions.yaml). Admonition
and debate boxes become headed paragraphs, figures numbered images, cross-references links.

What the rivals' book lacks, because Pandoc has no such thing or the edition leaves it out:
the index ({index} roles and directives are dropped), the student edition's hidden material
(teaching notes), the title page's edition line and the copyright page (the licence is a
chapter of the front matter, in the toctree's place). This is a conversion script, not a
MyST parser: it knows the directives and roles book/ uses, and a new one falls through to a
headed paragraph (a directive) or its text (a role).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from studyguide.yamlread import safe_load

FENCE = re.compile(r"^(`{3,}|:{3,})\{([\w-]+)\}\s*(.*)$")
ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
LABEL = re.compile(r"^\(([\w-]+)\)=\s*$")
HEADING = re.compile(r"^(#+) (.+)$")
OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")
DROPPED = ("index", "toctree", "teaching-note")  # no index in Pandoc; notes: instructor only


@dataclass
class Part:
    """One document of the book, as the toctree places it."""

    docname: str
    text: str
    chapter: int | None = None  # its number, in a numbered toctree


@dataclass
class Book:
    tree: Path
    parts: list[Part] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # label -> heading text
    figures: dict[str, int] = field(default_factory=dict)  # figure name -> number
    terms: set[str] = field(default_factory=set)  # glossary terms
    nocite: bool = False


def toctree_parts(tree: Path) -> list[Part]:
    """Every document the root's toctrees list, in reading order (a numbered toctree's
    entries get chapter numbers, continuing across numbered toctrees)."""
    index = (tree / "book/index.md").read_text(encoding="utf-8").splitlines()
    parts, number, i = [], 0, 0
    while i < len(index):
        fence = FENCE.match(index[i])
        i += 1
        if not fence or fence[2] != "toctree":
            continue
        numbered = False
        while i < len(index) and index[i].rstrip() != fence[1]:
            entry = index[i].strip()
            i += 1
            if entry.startswith(":numbered:"):
                numbered = True
            elif entry and not entry.startswith(":"):
                if numbered:
                    number += 1
                text = (tree / "book" / f"{entry}.md").read_text(encoding="utf-8")
                parts.append(Part(entry, text, number if numbered else None))
    return parts


def slug(term: str) -> str:
    return "term-" + re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


def scan(tree: Path) -> Book:
    """Labels, figure numbers and glossary terms, known before any document is written
    (a reference may point forwards)."""
    book = Book(tree, toctree_parts(tree))
    for part in book.parts:
        lines = part.text.splitlines()
        for n, line in enumerate(lines):
            label = LABEL.match(line)
            if label:
                heading = next((HEADING.match(x) for x in lines[n + 1 :] if x.strip()), None)
                book.titles[label[1]] = heading[2] if heading else label[1]
            named = re.match(r"^:name: ([\w-]+)$", line)
            if named:
                book.figures[named[1]] = len(book.figures) + 1
        for body in re.findall(r"^```\{glossary\}\n(.*?)^```$", part.text, re.M | re.S):
            book.terms |= {t for t in body.splitlines() if t.strip() and not t[0].isspace() and t[0] != ":"}
    return book


def roles(book: Book, line: str) -> str:
    def one(m: re.Match) -> str:
        role, text = m[1], m[2]
        shown, explicit, target = text.partition(" <")
        target = target.rstrip(">") if explicit else text
        if role == "ref" and target in book.titles:
            return f"[{shown if explicit else book.titles[target]}](#{target})"
        if role == "numref" and target in book.figures:
            number = book.figures[target]
            return f"[{shown.replace('%s', str(number)) if explicit else f'Figure {number}'}](#{target})"
        if role == "term" and target in book.terms:
            return f"[{shown}](#{slug(target)})"
        if role.startswith("cite"):
            keys = [k.strip() for k in text.split(",")]
            if role == "cite:t":
                return ", ".join(f"@{k}" for k in keys)
            return "[" + "; ".join(f"@{k}" for k in keys) + "]"
        return shown

    return ROLE.sub(one, line)


def convert(book: Book, lines: list[str], part: Part) -> list[str]:
    """MyST lines as Pandoc Markdown lines."""
    result, i = [], 0
    while i < len(lines):
        line = lines[i]
        label = LABEL.match(line)
        heading = HEADING.match(line)
        fence = FENCE.match(line)
        i += 1
        if label:
            following = next((x for x in lines[i:] if x.strip()), "")
            if not HEADING.match(following):
                result.append(f"[]{{#{label[1]}}}")
            continue
        if heading:
            result.append(heading_line(lines, i - 1, heading, part))
            continue
        if not fence:
            result.append(roles(book, line))
            continue
        mark, name, arg = fence.groups()
        body = []
        while i < len(lines) and lines[i].rstrip() != mark:
            body.append(lines[i])
            i += 1
        i += 1
        options = dict(m.groups() for m in map(OPTION.match, body) if m)
        body = [b for b in body if not OPTION.match(b)]
        result += ["", *directive(book, name, arg, options, body, part), ""]
    return result


def heading_line(lines: list[str], n: int, heading: re.Match, part: Part) -> str:
    """A heading with its label as its id; numbered to depth 2 in a numbered document only,
    and below the document's title listed in the contents only there (as the toctree does)."""
    level, text = len(heading[1]), heading[2]
    earlier = next((x for x in reversed(lines[:n]) if x.strip()), "")
    label = LABEL.match(earlier)
    attrs = [f"#{label[1]}"] if label else []
    if part.chapter is None or level > 2:
        attrs.append(".unnumbered")
    if part.chapter is None and level > 1:
        attrs.append(".unlisted")
    return f"{heading[1]} {text}" + (f" {{{' '.join(attrs)}}}" if attrs else "")


def directive(book: Book, name: str, arg: str, options: dict, body: list[str], part: Part) -> list[str]:
    if name in DROPPED or (name == "only" and "not pdf" in arg):
        return []
    if name == "only":
        return convert(book, body, part)
    if name == "figure":
        return figure(book, arg, options, body)
    if name == "objectives":
        items = [b.split(":", 1)[1].strip() for b in body if ":" in b]
        return ["**Learning objectives**", "", *(f"- {roles(book, t)}" for t in items)]
    if name == "exercises":
        return exercises(book, arg, part)
    if name == "glossary":
        return glossary(book, body, sort="sorted" in options)
    if name == "timeline-table":
        return timeline_table(book)
    if name == "bibliography":
        book.nocite |= "all" in options
        return ["::: {#refs}", ":::"]
    if name == "answer-key":
        return answer_key(book)
    if name == "revision-history":
        return revision_history(book)
    # A box (admonition, debate, anything new): its title in bold, then its text.
    title = roles(book, f"Debate: {arg}" if name == "debate" else arg) or name.replace("-", " ").capitalize()
    return [f"**{title}**", "", *convert(book, body, part)]


def figure(book: Book, arg: str, options: dict, body: list[str]) -> list[str]:
    """An image drawn by draw_rival_figures. Typst numbers figures, Paged.js's stylesheet
    does (book.figures gives the same numbers to the references)."""
    name = options.get("name")
    caption = roles(book, " ".join(b.strip() for b in body if b.strip()))
    attrs = " ".join(
        filter(
            None,
            [
                f"#{name}" if name else "",
                f"width={options['width']}" if "width" in options else "",
            ],
        )
    )
    return [f"![{caption}](figures/{Path(arg).stem}.svg){{{attrs}}}"]


def myst(book: Book, text: str, part: Part | None = None) -> list[str]:
    return convert(book, str(text).strip().splitlines(), part or Part("", ""))


# -- exercises and the answer key ----------------------------------------------------------
def exercise_file(book: Book, name: str):
    from studyguide.exercises.model import load

    return load(book.tree / "exercises" / f"{name}.yaml").exercises


def exercises(book: Book, name: str, part: Part) -> list[str]:
    """Each exercise as the student PDF prints it: title, source, prompt, what to answer
    with (lettered choices, shuffled events or pairs), hint, and where the solution is."""
    out = []
    for n, ex in enumerate(exercise_file(book, name), 1):
        label = f"Exercise {part.chapter}.{n}" if part.chapter else f"Exercise {n}"
        out += [
            f"[]{{#ex-{ex.id}}}**{label}** {ex.type_label}" + (f" · {ex.difficulty}" if ex.difficulty else "")
        ]
        out += [""]
        if ex.source:
            out += [f"> {x}" if x else ">" for x in myst(book, ex.source)] + [
                ">",
                f"> --- {ex.attribution}",
                "",
            ]
        out += myst(book, ex.prompt) + [""]
        if ex.type in ("multiple-choice", "true-false"):
            choices = ex.choices if ex.type == "multiple-choice" else ["True", "False"]
            out += [f"{chr(65 + k)}.  {roles(book, str(c))}" for k, c in enumerate(choices)]
        elif ex.type == "ordering":
            out += [f"Number the events from 1 (earliest) to {len(ex.answer)}.", ""]
            out += [f"- \u2610 {roles(book, e)}" for e in ex.shuffled(ex.answer)]
        elif ex.type == "matching":
            out += ["Write the letter of the matching item next to each number.", ""]
            out += [f"{k}. {roles(book, left)} \\_\\_\\_" for k, left in enumerate(ex.answer, 1)]
            out += ["", "<!-- -->", ""]
            right = ex.shuffled(list(ex.answer.values()))
            out += [f"{chr(65 + k)}.  {roles(book, r)}" for k, r in enumerate(right)]
        out += [""]
        if ex.hint:
            out += [f"*Hint.* {' '.join(myst(book, ex.hint))}", ""]
        out += [f"Solution: [answer key, {label}](#key-{ex.id})", ""]
    return out


def answer_key(book: Book) -> list[str]:
    """Every chapter's solutions, in chapter order, each linked back to its exercise."""
    from studyguide.exercises.directive import ExercisesDirective

    out = []
    for part in (p for p in book.parts if p.chapter is not None):
        names = re.findall(r"^```\{exercises\}\s+(\S+)", part.text, re.M)
        if not names:
            continue
        title = re.search(r"^# (.+)$", part.text, re.M)[1]
        out += [f"## Chapter {part.chapter}: {title} {{.unnumbered .unlisted}}", ""]
        position = 0
        for name in names:
            for ex in exercise_file(book, name):
                position += 1
                out += [f"[]{{#key-{ex.id}}}[**Exercise {part.chapter}.{position}**](#ex-{ex.id})", ""]
                answer = ExercisesDirective.answer_text(ex)
                if answer:
                    out += [f"**Answer:** {roles(book, answer)}", ""]
                elif ex.answer and ex.type in ("short-answer", "source-analysis"):
                    out += ["**Model answer:**", "", *myst(book, ex.answer), ""]
                out += [*myst(book, ex.solution), ""]
                if ex.marking:
                    out += ["**Marking guidance**", "", *myst(book, ex.marking), ""]
                if ex.levels:
                    out += ["**Level descriptors**", "", "| Level | Marks | Descriptor |"]
                    out += ["|:---|:---|:-----------------------|"]
                    out += [
                        f"| Level {lv.number} | {lv.marks} | {' '.join(myst(book, lv.descriptor))} |"
                        for lv in ex.levels
                    ]
                    out += [""]
                out += [f"Draws on: {roles(book, '{ref}`' + ex.section + '`')}", ""]
    return out


# -- the other back matter -----------------------------------------------------------------
def glossary(book: Book, body: list[str], sort: bool) -> list[str]:
    """MyST's glossary (a term, then its definition indented) as a definition list."""
    entries: list[tuple[str, list[str]]] = []
    for line in body:
        if line.strip() and not line[0].isspace():
            entries.append((line.strip(), []))
        elif entries:
            entries[-1][1].append(line.strip())
    if sort:
        entries.sort(key=lambda e: e[0].lower())
    out = []
    for term, definition in entries:
        text = roles(book, " ".join(d for d in definition if d))
        out += [f"[{term}]{{#{slug(term)}}}", "", f":   {text}", ""]
    return out


def timeline_table(book: Book) -> list[str]:
    """One row per event of the timeline figure's data, dated as our {timeline-table} is."""
    from studyguide.content.timeline_table import format_span

    events = safe_load((book.tree / "book/figures/timeline.yaml").read_text(encoding="utf-8"))
    rows = [f"| {format_span(e)} | {roles(book, e['detail'])} |" for e in events]
    return ["| Date | Event |", "|:-------|:------------------|", *rows]


def revision_history(book: Book) -> list[str]:
    """Each edition's line from revisions.yaml, newest first (Pandoc has no git to read)."""
    notes = safe_load((book.tree / "book/revisions.yaml").read_text(encoding="utf-8")) or {}
    out = []
    for tag, summary in reversed(list(notes.items())):
        version = str(tag).removeprefix("edition-")
        out += [f"## Edition {version} {{.unnumbered .unlisted}}", "", " ".join(str(summary).split()), ""]
    return out


def metadata(book: Book) -> str:
    """The title block from conf.py's values (read, never run) and the citation settings."""
    values = {}
    for node in ast.parse((book.tree / "conf.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            values.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    meta = {
        "title": values.get("project", ""),
        "subtitle": values.get("studyguide_subtitle", ""),
        "author": values.get("author", ""),
        "lang": values.get("language", "en"),
        "link-citations": True,
    }
    if book.nocite:
        meta["nocite"] = "@*"
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"


def markdown(tree: Path) -> str:
    """The whole book as one Pandoc Markdown document."""
    book = scan(tree)
    body = []
    for part in book.parts:
        body += convert(book, part.text.splitlines(), part) + [""]
    return metadata(book) + "\n" + re.sub(r"\n{3,}", "\n\n", "\n".join(body))
