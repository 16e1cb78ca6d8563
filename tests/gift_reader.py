r"""A GIFT reader for the tests, written to Moodle's own (``qformat_gift::readquestion``).

No GIFT parser on PyPI reads the format as Moodle does (they skip the ``\\`` and ``\n``
escapes, format markers or answer weights), so this one follows Moodle's rules: blank lines
separate questions, ``//`` lines are comments, a backslash escapes ~ = # { } : and itself,
``\n`` is a newline, a leading ``[format]`` marks text, and ``%50%`` opens a weighted
answer. It fails on anything Moodle would read otherwise than the exporter meant.
"""

from __future__ import annotations

import re

import lxml.html


def unescaped(text: str, chars: str) -> list[int]:
    """Positions of the characters of ``chars`` in ``text`` that no backslash escapes."""
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            found.append(i)
        i += 1
    return found


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


FORMATS = ("moodle", "html", "plain", "markdown")  # Moodle's format_name_to_const()
WEIGHT = re.compile(r"^%-*([0-9]{1,2})\.?([0-9]*)%")  # Moodle's $giftanswerweightregex


def with_format(text: str) -> tuple[str | None, str]:
    """A leading ``[name]`` of a known format is a marker, as Moodle reads it; any other stays text."""
    match = re.match(r"\[(\w+)\]", text)
    if match and match.group(1) in FORMATS:
        return match.group(1), text[match.end() :]
    return None, text


def read(value: str, weighted: bool = False) -> str:
    """A piece of text as Moodle's reader stores it (weight and format marker taken off,
    escapes undone) and as its format shows it: HTML as the text a reader sees."""
    value = value.strip()
    if weighted:
        value = WEIGHT.sub("", value, count=1)
    fmt, value = with_format(value)
    value = unescape(value).strip()
    if fmt == "html":
        value = lxml.html.fragment_fromstring(value, create_parent="div").text_content()
    return value


def parse_gift(text: str) -> list[dict]:
    """Categories and questions of a GIFT file; fails with the offending block if malformed.

    Blocks are separated by blank lines and ``//`` lines are comments, as in Moodle's reader.
    Each question must read ``::name::text{answers}`` with exactly one unescaped pair of
    braces closing the block, and its answers must have the shape of one known type. A
    format marker opens the text (``format``); answers and feedback may carry their own.
    """
    items: list[dict] = []
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        lines = [line for line in block.splitlines() if not line.strip().startswith("//")]
        body = "\n".join(lines).strip()
        if not body:
            continue
        if body.startswith("$CATEGORY:"):
            assert "\n" not in body, block
            items.append({"category": body.removeprefix("$CATEGORY:").strip()})
            continue
        assert body.startswith("::"), f"question without a name:\n{block}"
        colons = unescaped(body, ":")
        name_end = next(i for i in colons if i > 1 and i + 1 in colons)
        name, rest = body[2:name_end], body[name_end + 2 :]
        opens, closes = unescaped(rest, "{"), unescaped(rest, "}")
        assert len(opens) == 1 and len(closes) == 1, f"unbalanced braces:\n{block}"
        assert opens[0] < closes[0] == len(rest) - 1, f"answers must close the question:\n{block}"
        question = rest[: opens[0]]
        assert question.strip() and "\n" not in question, f"bad question text:\n{block}"
        answers = rest[opens[0] + 1 : -1]
        feedback = ""
        if "####" in answers:
            answers, feedback = answers.rsplit("####", 1)
        items.append(
            {
                "name": unescape(name),
                "format": with_format(question.strip())[0],
                "text": read(question),
                "feedback": read(feedback),
                **classify(answers.strip(), block),
            }
        )
    return items


def classify(answers: str, block: str) -> dict:
    if not answers:
        return {"type": "essay"}  # Moodle reads an empty answer block as an essay question
    if answers in ("T", "F", "TRUE", "FALSE"):
        return {"type": "tf", "answer": answers.startswith("T")}
    marks = unescaped(answers, "=~")
    assert marks and marks[0] == 0, f"answers must start with = or ~:\n{block}"
    entries = [(answers[a], answers[a + 1 : b].strip()) for a, b in zip(marks, [*marks[1:], len(answers)])]
    assert all(value for _, value in entries), f"empty answer:\n{block}"
    if any(mark == "~" for mark, _ in entries):
        right = [read(value) for mark, value in entries if mark == "="]
        assert len(right) == 1, f"a multiple choice needs exactly one '=':\n{block}"
        assert not any(WEIGHT.match(value) for mark, value in entries if mark == "~"), block
        return {
            "type": "mc",
            "right": right[0],
            "choices": [read(value, weighted=mark == "~") for mark, value in entries],
        }
    if all("->" in value for _, value in entries):
        pairs = [
            (read(left), unescape(right).strip())
            for left, right in (value.split("->", 1) for _, value in entries)
        ]
        return {"type": "match", "pairs": pairs}
    assert not any("->" in value for _, value in entries), f"mixed matching and short answers:\n{block}"
    assert not any(WEIGHT.match(value) for _, value in entries), block
    return {"type": "short", "accept": [read(value, weighted=True) for _, value in entries]}
