"""Exercise files: load, check and hold them as plain data, with no Sphinx in sight.

Teachers edit YAML, so every message names the file and the line of the offending field.
The same plain objects feed the book (via the directive), the answer key and the learning
platform exports, so all of them agree on what an exercise is.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from studyguide.yamlread import LOADER

TYPES = {
    "multiple-choice": "Multiple choice",
    "true-false": "True or false",
    "ordering": "Chronological order",
    "matching": "Matching",
    "short-answer": "Short answer",
    "source-analysis": "Source analysis",
    "essay": "Discussion",
}
AUTO_GRADED = ("multiple-choice", "true-false", "ordering", "matching")
DIFFICULTIES = ("easy", "medium", "hard")
COMMON = {"id", "type", "objective", "section", "difficulty", "prompt", "hint", "solution"}
EXTRA = {
    "multiple-choice": {"choices", "answer"},
    "true-false": {"answer"},
    "ordering": {"answer"},
    "matching": {"answer"},
    "short-answer": {"answer", "accept"},
    "source-analysis": {"source", "attribution", "answer", "levels"},
    "essay": {"marking", "levels"},
}
REQUIRED = {
    "multiple-choice": ("choices", "answer"),
    "true-false": ("answer",),
    "ordering": ("answer",),
    "matching": ("answer",),
    "short-answer": ("answer",),
    "source-analysis": ("source", "attribution", "answer"),
    "essay": ("marking", "levels"),
}
ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MARKS = re.compile(r"^(\d{1,3})(?:-(\d{1,3}))?$")
# An auto-marked short answer is matched whole against what the student types (Moodle and
# GIFT compare the trimmed response, ignoring case; QTI maps exact strings). Four words
# hold a name, a place, an order's number or a full date ("10 October 1941"); anything
# longer, or a list or sentence (a comma or semicolon), can be written correctly in too
# many ways for a fixed list to be fair, so such an answer goes to a teacher instead.
MAX_ACCEPT_WORDS = 4


@dataclass
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ExerciseFileError(Exception):
    """All the problems found in one file, so an author can fix them in one pass."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


@dataclass
class Level:
    """One mark band of a level-of-response scheme; ``number`` 1 is the lowest band."""

    number: int
    low: int
    high: int
    descriptor: str
    line: int

    @property
    def marks(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass
class Exercise:
    id: str
    type: str
    objective: str
    section: str
    prompt: str
    solution: str
    path: Path
    line: int
    lines: dict[str, int] = field(default_factory=dict)
    difficulty: str = ""
    hint: str = ""
    choices: list[str] = field(default_factory=list)
    answer: object = None
    accept: list[str] = field(default_factory=list)
    source: str = ""
    attribution: str = ""
    marking: str = ""
    levels: list[Level] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return TYPES[self.type]

    @property
    def auto_graded(self) -> bool:
        return self.type in AUTO_GRADED

    @property
    def auto_markable(self) -> bool:
        """Whether a platform may mark this on its own; a short answer needs answers to accept,
        each short and single enough (see MAX_ACCEPT_WORDS) to be matched whole."""
        if self.type != "short-answer":
            return self.auto_graded
        return bool(self.accept) and all(
            len(a.split()) <= MAX_ACCEPT_WORDS and not re.search(r"[,;]", a) for a in self.accept
        )

    def shuffled(self, items: list[str]) -> list[str]:
        """A fixed, never-identity order for items readers must sort, the same on every build."""
        keyed = sorted(items, key=lambda s: hashlib.sha256(f"{self.id}:{s}".encode()).hexdigest())
        if keyed == list(items) and len(items) > 1:
            keyed = keyed[1:] + keyed[:1]
        return keyed

    @property
    def answer_lines(self) -> int:
        """Ruled lines a worksheet leaves for the answer, sized to the expected answer."""
        words = len(str(self.answer or self.marking).split())
        if self.type == "essay":
            return 22
        if self.type == "true-false":
            return 3
        if self.type in ("short-answer", "source-analysis"):
            return max(3, min(14, words // 9 + 2))
        return 0


@dataclass
class ExerciseFile:
    path: Path
    chapter: str
    chapter_line: int
    exercises: list[Exercise]


# -- reading YAML that may be hostile ------------------------------------------------------

MAX_BYTES = 1_000_000  # a chapter's exercises take about 20 KB
MAX_DEPTH = 12  # the deepest real value (a matching answer) is 4 levels down


def _refuse(path: Path, line: int, message: str) -> ExerciseFileError:
    return ExerciseFileError([Problem(path, line, message)])


def _compose(path: Path, text: str, problem) -> yaml.Node:
    """The file's node tree, refusing what plain data never needs before building it.

    An alias makes a 19 KB file expand to gigabytes (a "billion laughs"), a tag asks for an
    arbitrary object, a deeply nested flow value takes libyaml minutes to parse and then
    overflows its stack: so the file's events are scanned first and the scan stops at the
    first such event, with its line. Keys are checked on the tree: YAML keeps the last of
    two equal keys without a word, and a key that is not a plain scalar cannot be a field.
    """
    if len(text) > MAX_BYTES:
        raise _refuse(path, 1, f"the file is larger than {MAX_BYTES // 1000} KB; split it")
    depth = 0
    try:
        for event in yaml.parse(text, Loader=LOADER):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                name = event.anchor
                raise _refuse(
                    path,
                    line,
                    f"anchors and aliases (&{name}, *{name}) are not "
                    "allowed in exercise files: write each value out",
                )
            if getattr(event, "tag", None):
                raise _refuse(
                    path,
                    line,
                    f"tags ({event.tag}) are not allowed in exercise "
                    "files: write plain text, numbers, lists and mappings",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _refuse(path, line, f"values nested more than {MAX_DEPTH} deep")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        root = yaml.compose(text, Loader=LOADER)
    except yaml.MarkedYAMLError as err:
        line = (err.problem_mark or err.context_mark).line + 1
        raise _refuse(path, line, f"YAML syntax: {err.problem}") from None
    except yaml.reader.ReaderError as err:  # a control character, say: it has no mark
        line = text.count("\n", 0, err.position) + 1
        raise _refuse(path, line, f"character {err.character!r} is not allowed ({err.reason})") from None
    _check_keys(path, root, problem)
    return root


def _check_keys(path: Path, root: yaml.Node | None, problem) -> None:
    pending = [root] if root is not None else []
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        if not isinstance(node, yaml.MappingNode):
            continue
        seen: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if not isinstance(key, yaml.ScalarNode):
                # (fatal: the checks that follow look fields up by key)
                raise _refuse(path, line, "a key must be a plain word, not a list or a mapping")
            if key.value in seen:
                problem(
                    line,
                    f"duplicate key {key.value!r} (first on line {seen[key.value]}); "
                    "YAML would silently keep the last one",
                )
            seen.setdefault(key.value, line)
            pending.append(value)


def _plain(node: yaml.Node):
    """The Python value of a node (the nodes are kept for their line numbers)."""
    return yaml.SafeLoader("").construct_document(node) if node is not None else None


def plain(node: yaml.Node | None):
    """The Python value of a node, for other YAML files teachers edit (quizzes)."""
    return _plain(node)


def compose_file(path: Path, problem) -> yaml.Node | None:
    """A YAML file teachers edit as a node tree (kept for its line numbers); an unreadable
    file or bad YAML raises ExerciseFileError with the line. Every such file is read here."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1  # the line holding the first bad byte
        raise ExerciseFileError(
            [Problem(path, line, f"not UTF-8 text ({err.reason}); save the file as UTF-8")]
        ) from None
    except OSError as err:
        raise ExerciseFileError([Problem(path, 1, f"cannot read the file ({err.strerror})")]) from None
    return _compose(path, text, problem)


def load(path: Path) -> ExerciseFile:
    """Read and check one exercise file; raise ExerciseFileError listing every problem."""
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(path, line, message))

    root = compose_file(path, problem)
    if not isinstance(root, yaml.MappingNode):
        raise ExerciseFileError([Problem(path, 1, "expected 'chapter:' and 'exercises:' keys")])
    top = {k.value: v for k, v in root.value}
    for key, _ in root.value:
        if key.value not in ("chapter", "exercises"):
            problem(key.start_mark.line + 1, f"unknown key {key.value!r} (expected chapter, exercises)")
    chapter = _plain(top.get("chapter"))
    chapter_line = top["chapter"].start_mark.line + 1 if "chapter" in top else 1
    if not isinstance(chapter, str) or not chapter:
        problem(
            chapter_line, "missing 'chapter:' (the chapter these exercises close, e.g. chapters/1-alliance)"
        )
    items = top.get("exercises")
    if not isinstance(items, yaml.SequenceNode) or not items.value:
        problem(1, "missing 'exercises:' list")
        raise ExerciseFileError(problems)
    exercises = []
    seen: dict[str, int] = {}
    for node in items.value:
        exercise = _exercise(path, node, problem)
        if exercise is None:
            continue
        if exercise.id in seen:
            problem(exercise.line, f"duplicate id {exercise.id!r} (first used on line {seen[exercise.id]})")
        seen.setdefault(exercise.id, exercise.line)
        exercises.append(exercise)
    if problems:
        raise ExerciseFileError(problems)
    return ExerciseFile(path, chapter, chapter_line, exercises)


def _exercise(path: Path, node: yaml.Node, problem) -> Exercise | None:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        problem(line, "each exercise must be a mapping of fields (id, type, prompt, ...)")
        return None
    fields = {k.value: v for k, v in node.value}
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    data = {k: _plain(v) for k, v in fields.items()}
    ex_id = data.get("id")
    where = f"exercise {ex_id!r}" if ex_id else "exercise"
    if not isinstance(ex_id, str) or not ID.match(ex_id):
        problem(lines.get("id", line), f"{where}: 'id' must be lower-case words joined by hyphens")
        return None
    kind = data.get("type")
    if kind not in TYPES:
        problem(
            lines.get("type", line), f"{where}: unknown type {kind!r} (expected one of {', '.join(TYPES)})"
        )
        return None
    allowed = COMMON | EXTRA[kind]
    for key in data:
        if key not in allowed:
            problem(lines[key], f"{where}: unknown field {key!r} for a {kind} exercise")
    for key in ("objective", "section", "prompt", "solution", *REQUIRED[kind]):
        if key == "levels":
            continue  # checked, with its own message, by _levels
        if data.get(key) in (None, "", [], {}):
            what = "answer" if key in ("answer", "marking", "choices") else key
            problem(
                lines.get(key, line),
                f"{where}: missing {what!r}" if what == key else f"{where}: missing {key!r} (the {what})",
            )
    for key in ("objective", "section", "prompt", "solution", "hint", "source", "attribution", "marking"):
        if key in data and data[key] is not None and not isinstance(data[key], str):
            problem(lines[key], f"{where}: {key!r} must be text")
    if data.get("difficulty") not in (None, *DIFFICULTIES):
        problem(lines["difficulty"], f"{where}: difficulty must be one of {', '.join(DIFFICULTIES)}")
    answer = data.get("answer")
    aline = lines.get("answer", line)
    if kind == "multiple-choice" and answer is not None:
        choices = data.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, (str, int, float)) for c in choices):
            problem(lines.get("choices", line), f"{where}: 'choices' must be a list of texts")
            choices = []
        choices = [str(c) for c in choices]
        if not 2 <= len(choices) <= 6:
            problem(lines.get("choices", line), f"{where}: give 2 to 6 choices")
        if len(set(choices)) != len(choices):
            problem(lines.get("choices", line), f"{where}: two choices are the same")
        if str(answer) not in choices:
            problem(aline, f"{where}: the answer {answer!r} is not one of the choices")
        data["choices"] = choices
        answer = str(answer)
    if kind == "true-false" and answer is not None and not isinstance(answer, bool):
        problem(aline, f"{where}: the answer must be true or false")
    if kind == "ordering" and answer is not None:
        if not (isinstance(answer, list) and 3 <= len(answer) <= 7):
            problem(aline, f"{where}: the answer must list 3 to 7 events in the right order")
        else:
            answer = [str(a) for a in answer]
            if len(set(answer)) != len(answer):
                problem(aline, f"{where}: an event is listed twice")
    if kind == "matching" and answer is not None:
        if not (isinstance(answer, dict) and 3 <= len(answer) <= 7):
            problem(aline, f"{where}: the answer must map 3 to 7 left-hand items to their partners")
        else:
            answer = {str(k): str(v) for k, v in answer.items()}
            if len(set(answer.values())) != len(answer):
                problem(aline, f"{where}: two items share a partner")
    if kind in ("short-answer", "source-analysis") and answer is not None and not isinstance(answer, str):
        problem(aline, f"{where}: the answer must be text")
    accept = data.get("accept") or []
    if not isinstance(accept, list):
        problem(lines["accept"], f"{where}: 'accept' must be a list of short answers")
        accept = []
    levels = _levels(
        fields.get("levels"), lines.get("levels", line), where, problem, required="levels" in REQUIRED[kind]
    )
    return Exercise(
        id=ex_id,
        type=kind,
        objective=data.get("objective") or "",
        section=data.get("section") or "",
        prompt=data.get("prompt") or "",
        solution=data.get("solution") or "",
        path=path,
        line=line,
        lines=lines,
        difficulty=data.get("difficulty") or "",
        hint=data.get("hint") or "",
        choices=data.get("choices") or [],
        answer=answer,
        accept=[str(a) for a in accept],
        source=data.get("source") or "",
        attribution=data.get("attribution") or "",
        marking=data.get("marking") or "",
        levels=levels,
    )


LEVELS_HELP = (
    "a list of mark bands, highest first, each with 'marks' (e.g. \"10-12\") "
    "and 'descriptor' (what an answer in that band does)"
)


def _levels(node: yaml.Node | None, line: int, where: str, problem, required: bool) -> list[Level]:
    """Level descriptors a teacher can apply: contiguous mark bands, from the top band down.

    Bands must meet (no gap, no overlap) so that every mark belongs to exactly one level.
    """
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")):
        if required:
            problem(line, f"{where}: missing 'levels' ({LEVELS_HELP})")
        return []
    if not isinstance(node, yaml.SequenceNode) or len(node.value) < 2:
        problem(line, f"{where}: 'levels' must be {LEVELS_HELP}, with at least two bands")
        return []
    bands: list[tuple[int, int, str, int]] = []
    for item in node.value:
        at = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            problem(at, f"{where}: each level needs 'marks' and 'descriptor'")
            continue
        keys = {k.value: (k.start_mark.line + 1, v) for k, v in item.value}
        for key in keys.keys() - {"marks", "descriptor"}:
            problem(keys[key][0], f"{where}: unknown field {key!r} in a level (expected marks, descriptor)")
        marks, descriptor = (
            _plain(keys.get("marks", (0, None))[1]),
            _plain(keys.get("descriptor", (0, None))[1]),
        )
        match = (
            MARKS.match(str(marks)) if isinstance(marks, (str, int)) and not isinstance(marks, bool) else None
        )
        low, high = (int(match.group(1)), int(match.group(2) or match.group(1))) if match else (0, -1)
        if low > high:
            mline = keys["marks"][0] if "marks" in keys else at
            problem(mline, f'{where}: level marks {marks!r} must be a number or a range such as "7-9"')
            continue
        if not isinstance(descriptor, str) or not descriptor.strip():
            problem(
                keys["descriptor"][0] if "descriptor" in keys else at,
                f"{where}: missing 'descriptor' for the level of {marks} marks",
            )
            descriptor = ""
        if bands and high != bands[-1][0] - 1:
            problem(
                keys["marks"][0],
                f"{where}: level marks {marks} do not follow on from "
                f"{bands[-1][0]} (list the bands from the highest down, with no gap or overlap)",
            )
        bands.append((low, high, descriptor.strip(), at))
    return [
        Level(number=len(bands) - n, low=low, high=high, descriptor=text, line=at)
        for n, (low, high, text, at) in enumerate(bands)
    ]
