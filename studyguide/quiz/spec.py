"""A quiz file, checked and turned into versions, as plain data (no Sphinx in sight).

A teacher writes a few lines of YAML naming exercises of the bank by id, or "n from
chapter c"; this module reads it through the exercise loader (``model.compose_file``, so
quiz files get every protection exercise files get, and every problem names the quiz
file and its line), picks the exercises and makes each version: its item order and its
choices shuffled from the quiz's seed and the version's letter, so a rebuild gives the
same papers and the same keys. The builder (``builder.py``) only draws what this decides.
"""

from __future__ import annotations

import difflib
import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from studyguide.exercises.model import ID, TYPES, Exercise, ExerciseFileError, Problem, compose_file, plain

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
KEYS = ("title", "versions", "seed", "items", "time", "instructions")
ID_KEYS = ("id", "marks")
FROM_KEYS = ("from", "count", "type")
MAX_VERSIONS = 8
MAX_ITEMS = 60
MAX_TITLE = 120
EXAMPLE = "items: [{id: failures-rzhev-dates}, {from: 3-failures, count: 4}]"


class QuizFileError(ExerciseFileError):
    """Every problem found in one quiz file (each printed as ``file:line: message``)."""


@dataclass
class Pick:
    """One line of ``items``: an exercise by id, or ``count`` drawn from a chapter."""

    line: int
    id: str = ""
    chapter: str = ""
    count: int = 0
    types: tuple[str, ...] = ()
    marks: int | None = None
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Quiz:
    path: Path
    name: str  # the file's stem: names the output folder and files
    title: str
    versions: int
    seed: int
    picks: list[Pick]
    time: str = ""
    instructions: str = ""


@dataclass
class Chapter:
    """One chapter of the bank, as the book parsed it."""

    key: str  # its exercise file's stem ("3-failures"), as ``{exercises}`` names it
    docname: str
    number: str
    title: str
    exercises: list[Exercise]


@dataclass
class Item:
    exercise: Exercise
    chapter: Chapter
    position: int  # in its chapter, from 1: "Exercise 3.2" in the book
    marks: int

    @property
    def book_label(self) -> str:
        return (
            f"Exercise {self.chapter.number}.{self.position}"
            if self.chapter.number
            else f"Exercise {self.position}"
        )


@dataclass
class Entry:
    """An item as one version prints it."""

    item: Item
    choices: list[str] = field(default_factory=list)  # multiple choice / true-false, in print order
    events: list[str] = field(default_factory=list)  # ordering, in print order
    right: list[str] = field(default_factory=list)  # matching, the lettered column in print order

    @property
    def exercise(self) -> Exercise:
        return self.item.exercise

    @property
    def correct(self) -> int:
        """Index of the right choice in print order."""
        answer = self.exercise.answer
        if self.exercise.type == "true-false":
            answer = "True" if answer else "False"
        return self.choices.index(answer)

    def key(self) -> list[str]:
        """The answer as a marker reads it off this version's paper (empty: see the model answer)."""
        kind = self.exercise.type
        if kind in ("multiple-choice", "true-false"):
            return [f"{LETTERS[self.correct]} ({self.choices[self.correct]})"]
        if kind == "ordering":
            place = {event: n for n, event in enumerate(self.exercise.answer, 1)}
            return [f"{place[event]}: {event}" for event in self.events]
        if kind == "matching":
            return [
                f"{n}. {left}: {LETTERS[self.right.index(partner)]} ({partner})"
                for n, (left, partner) in enumerate(self.exercise.answer.items(), 1)
            ]
        return []


@dataclass
class Version:
    letter: str
    entries: list[Entry]

    @property
    def marks(self) -> int:
        return sum(entry.item.marks for entry in self.entries)


def quiz_name(path: Path) -> str:
    """The output folder of a quiz file: ``quizzes/unit-test.yaml`` -> ``unit-test``."""
    return Path(path).stem


def default_marks(exercise: Exercise) -> int:
    """Marks when the quiz names none: the top of the highest level band where the exercise
    has levels (so the key's bands and the item's marks agree), else one per thing to get right."""
    if exercise.levels:
        return exercise.levels[0].high
    return {
        "ordering": len(exercise.answer or ()),
        "matching": len(exercise.answer or {}),
        "short-answer": 2,
        "source-analysis": 4,
    }.get(exercise.type, 1)


# -- reading the file ----------------------------------------------------------------------


def read(path: Path) -> Quiz:
    """Read and check a quiz file's own rules (the bank is checked by ``select``)."""
    path = Path(path)
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(path, line, message))

    try:
        root = compose_file(path, problem)
    except ExerciseFileError as err:
        raise QuizFileError(err.problems) from None
    if not isinstance(root, yaml.MappingNode):
        raise QuizFileError([Problem(path, 1, f"expected a mapping with {', '.join(KEYS)}")])
    fields = {k.value: v for k, v in root.value}
    lines = {k.value: k.start_mark.line + 1 for k, _ in root.value}
    for key in fields:
        if key not in KEYS:
            problem(lines[key], f"unknown key {key!r} (expected {', '.join(KEYS)})")
    if not ID.match(quiz_name(path)):
        problem(
            1,
            f"the quiz file's name {path.name!r} names its outputs: use lower-case words "
            "joined by hyphens, e.g. unit-3-test.yaml",
        )
    title = plain(fields.get("title"))
    if not isinstance(title, str) or not title.strip():
        problem(lines.get("title", 1), "missing 'title:' (the quiz's title, printed on every paper)")
        title = ""
    elif len(title) > MAX_TITLE or any(ord(c) < 32 for c in title):
        # (it names the bank's category too, and GIFT ends a line there)
        problem(lines["title"], f"'title' must be one line of at most {MAX_TITLE} characters")
        title = ""
    versions = _integer(fields, lines, "versions", 1, MAX_VERSIONS, 1, problem)
    seed = _integer(fields, lines, "seed", 0, 2**31, 0, problem)
    time_limit = plain(fields.get("time"))
    if isinstance(time_limit, int) and not isinstance(time_limit, bool) and time_limit > 0:
        time_limit = f"{time_limit} minutes"
    if time_limit is not None and (
        not isinstance(time_limit, str) or len(time_limit) > MAX_TITLE or any(ord(c) < 32 for c in time_limit)
    ):
        problem(lines["time"], "'time' must be minutes (e.g. 40) or a short text (e.g. \"40 minutes\")")
        time_limit = ""
    instructions = plain(fields.get("instructions"))
    if instructions is not None and not isinstance(instructions, str):
        problem(lines["instructions"], "'instructions' must be text")
        instructions = ""
    picks = _picks(fields.get("items"), lines.get("items", 1), problem)
    if problems:
        raise QuizFileError(problems)
    return Quiz(
        path,
        quiz_name(path),
        title.strip(),
        versions,
        seed,
        picks,
        (time_limit or "").strip(),
        (instructions or "").strip(),
    )


def _integer(fields, lines, key: str, low: int, high: int, default: int, problem) -> int:
    if key not in fields:
        return default
    value = plain(fields[key])
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problem(lines[key], f"'{key}' must be a whole number from {low} to {high}")
        return default
    return value


def _picks(node: yaml.Node | None, line: int, problem) -> list[Pick]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        problem(line, f"missing 'items:' list (e.g. {EXAMPLE})")
        return []
    picks = []
    for item in node.value:
        at = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            problem(at, f"each item is {{id: ...}} or {{from: <chapter>, count: <n>}} (e.g. {EXAMPLE})")
            continue
        keys = {k.value: k.start_mark.line + 1 for k, _ in item.value}
        data = {k.value: plain(v) for k, v in item.value}
        pick = Pick(line=at, lines=keys)
        allowed = ID_KEYS if "id" in data else FROM_KEYS if "from" in data else ()
        if not allowed:
            problem(at, f"an item needs 'id' (one exercise) or 'from' and 'count' (e.g. {EXAMPLE})")
            continue
        for key in data:
            if key not in allowed:
                problem(
                    keys[key],
                    f"unknown key {key!r} in an item with {allowed[0]!r} (expected {', '.join(allowed)})",
                )
        if "id" in data:
            if not isinstance(data["id"], str) or not ID.match(data["id"]):
                problem(keys["id"], "'id' must be an exercise id (lower-case words joined by hyphens)")
                continue
            pick.id = data["id"]
            if "marks" in data:
                marks = data["marks"]
                if isinstance(marks, bool) or not isinstance(marks, int) or not 1 <= marks <= 100:
                    problem(keys["marks"], "'marks' must be a whole number from 1 to 100")
                else:
                    pick.marks = marks
        else:
            chapter = data["from"]
            if isinstance(chapter, bool) or not isinstance(chapter, (str, int)) or chapter == "":
                problem(
                    keys["from"], "'from' names a chapter: its number (3) or its exercise file (3-failures)"
                )
                continue
            pick.chapter = str(chapter)
            count = data.get("count")
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_ITEMS:
                problem(
                    keys.get("count", at),
                    f"'count' must be a whole number from 1 to {MAX_ITEMS} "
                    "(how many exercises to draw from the chapter)",
                )
                continue
            pick.count = count
            kinds = data.get("type", [])
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if not isinstance(kinds, list) or not all(k in TYPES for k in kinds):
                problem(keys["type"], f"'type' must be one or a list of {', '.join(TYPES)}")
                continue
            pick.types = tuple(kinds)
        picks.append(pick)
    return picks


# -- choosing from the bank ----------------------------------------------------------------


def _random(quiz: Quiz, *purpose: object) -> random.Random:
    """A generator seeded by the quiz and what it is for: the same on every run and machine."""
    text = "/".join(map(str, (quiz.seed, *purpose)))
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def _chapter(chapters: list[Chapter], ref: str) -> Chapter | None:
    for chapter in chapters:
        if ref in (chapter.key, chapter.docname, chapter.number):
            return chapter
    return None


def select(quiz: Quiz, chapters: list[Chapter]) -> list[Item]:
    """The quiz's exercises, in the file's order; raise QuizFileError for what the bank lacks.

    Named exercises are taken first, so a chapter draw never repeats one of them; a draw
    takes ``count`` of the rest at random (from the seed) and keeps them in book order.
    """
    problems: list[Problem] = []
    where: dict[str, tuple[Chapter, int, Exercise]] = {
        e.id: (c, n, e) for c in chapters for n, e in enumerate(c.exercises, 1)
    }
    chosen: dict[str, int] = {}  # id -> line of the pick that took it
    for pick in quiz.picks:
        if not pick.id:
            continue
        line = pick.lines.get("id", pick.line)
        if pick.id not in where:
            close = difflib.get_close_matches(pick.id, list(where), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(Problem(quiz.path, line, f"unknown exercise id {pick.id!r}{hint}"))
        elif pick.id in chosen:
            problems.append(
                Problem(
                    quiz.path, line, f"exercise {pick.id!r} is already in the quiz (line {chosen[pick.id]})"
                )
            )
        else:
            chosen[pick.id] = line
            exercise = where[pick.id][2]
            if pick.marks is not None and exercise.levels:
                problems.append(
                    Problem(
                        quiz.path,
                        pick.lines["marks"],
                        (
                            f"exercise {pick.id!r} is marked by its level descriptors "
                            f"({exercise.levels[-1].low}-{exercise.levels[0].high} marks): remove 'marks'"
                        ),
                    )
                )
    drawn: dict[int, list[str]] = {}
    for index, pick in enumerate(quiz.picks):
        if pick.id:
            continue
        chapter = _chapter(chapters, pick.chapter)
        if chapter is None:
            known = ", ".join(f"{c.number} ({c.key})" if c.number else c.key for c in chapters)
            problems.append(
                Problem(
                    quiz.path,
                    pick.lines["from"],
                    f"no chapter {pick.chapter!r} in the book (chapters: {known})",
                )
            )
            continue
        pool = [
            e.id for e in chapter.exercises if e.id not in chosen and (not pick.types or e.type in pick.types)
        ]
        if len(pool) < pick.count:
            kinds = f" of type {', '.join(pick.types)}" if pick.types else ""
            problems.append(
                Problem(
                    quiz.path,
                    pick.lines["count"],
                    (
                        f"count {pick.count} from chapter {pick.chapter!r}, but it has only {len(pool)} "
                        f"exercises{kinds} not already in the quiz"
                    ),
                )
            )
            continue
        picked = set(_random(quiz, "draw", index, chapter.key).sample(pool, pick.count))
        drawn[index] = [e for e in pool if e in picked]  # book order
        chosen.update({e: pick.line for e in drawn[index]})
    if len(chosen) > MAX_ITEMS and not problems:
        problems.append(Problem(quiz.path, quiz.picks[0].line, f"more than {MAX_ITEMS} exercises"))
    if problems:
        raise QuizFileError(problems)
    items = []
    for index, pick in enumerate(quiz.picks):
        for ex_id in [pick.id] if pick.id else drawn[index]:
            chapter, position, exercise = where[ex_id]
            marks = pick.marks if pick.id and pick.marks is not None else default_marks(exercise)
            items.append(Item(exercise, chapter, position, marks))
    return items


def versions(quiz: Quiz, items: list[Item]) -> list[Version]:
    """Version A, B...: the items and the choices of each shuffled from the seed and the
    letter. Two versions never share an item order where the items allow another."""
    made: list[Version] = []
    seen: set[tuple[str, ...]] = set()
    for letter in LETTERS[: quiz.versions]:
        for attempt in range(100):
            rng = _random(quiz, "version", letter, attempt)
            order = list(items)
            rng.shuffle(order)
            ids = tuple(i.exercise.id for i in order)
            if ids not in seen or len(seen) >= _orders(len(items)):
                break
        seen.add(ids)
        made.append(Version(letter, [_entry(item, rng) for item in order]))
    return made


def _orders(n: int) -> int:
    total = 1
    for k in range(2, n + 1):
        total *= k
    return total


def _entry(item: Item, rng: random.Random) -> Entry:
    exercise = item.exercise
    if exercise.type == "multiple-choice":
        choices = list(exercise.choices)
        rng.shuffle(choices)
        return Entry(item, choices=choices)
    if exercise.type == "true-false":
        return Entry(item, choices=["True", "False"])  # in the order every reader expects
    if exercise.type == "ordering":
        events = list(exercise.answer)
        while events == list(exercise.answer):  # never printed in the right order
            rng.shuffle(events)
        return Entry(item, events=events)
    if exercise.type == "matching":
        right = list(exercise.answer.values())
        rng.shuffle(right)
        return Entry(item, right=right)
    return Entry(item)
