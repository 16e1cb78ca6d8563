"""Progress that stays: the web edition remembers a reader's self-check answers.

The answers live only in the reader's browser (``progress.js``, localStorage), keyed by
exercise id. What the build contributes is what the browser cannot know: which self-checks
each chapter has, and a digest of each one's question, so that an answer saved before an
exercise was rewritten is dropped instead of being shown against a different question.
The data goes into ``_static/progress-data.js``, a script rather than JSON, because a page
opened from ``file://`` may load scripts but not fetch files.

Only builds whose rules say so (``Policy.keeps_progress``) get any of it: the EPUB and
the PDF carry no script and nothing to clear.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sphinx.application import Sphinx

from studyguide.editions import policy
from studyguide.exercises.model import Exercise

WEB_STATIC = Path(__file__).parent / "web"
DATA_FILE = "progress-data.js"


def content_digest(exercise: Exercise) -> str:
    """What a reader answered: the question, its choices and its right answer. A reworded
    solution or a new hint keeps the saved answer; a changed question or answer drops it."""
    question = [
        exercise.type,
        exercise.source,
        exercise.attribution,
        exercise.prompt,
        exercise.choices,
        exercise.answer,
    ]
    text = json.dumps(question, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def self_checks(env) -> dict[str, dict[str, str]]:
    """Each document's self-checks (the exercises a reader can check in the page), by id."""
    found = env.domains["guide"].all_exercises()
    return {
        docname: {e.id: content_digest(e) for e in exercises if e.auto_graded}
        for docname, exercises in sorted(found.items())
        if docname in env.all_docs
    }


def write_data(app: Sphinx, builder) -> None:
    """Before the pages are written, so each page's script link carries this file's checksum
    and a browser never pairs new pages with an old cached copy."""
    if not policy(builder).keeps_progress:
        return
    chapters = {
        builder.get_target_uri(docname): {"checks": checks}
        for docname, checks in self_checks(app.env).items()
        if checks
    }
    data = {"book": app.config.studyguide_basename, "chapters": chapters}
    static = Path(builder.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, sort_keys=True, indent=0)
    (static / DATA_FILE).write_text(f"window.STUDYGUIDE_PROGRESS = {text};\n", encoding="utf-8")


def add_web_assets(app: Sphinx, rules_say: bool, *files: str) -> None:
    """The web-only assets (``html/web/``), for a build whose rules ask for them."""
    if not rules_say:
        return
    path = str(WEB_STATIC)
    if path not in app.config.html_static_path:
        app.config.html_static_path.append(path)
    for name in files:
        if name.endswith(".css"):
            app.add_css_file(name)
        else:
            app.add_js_file(name, loading_method="defer")


def builder_inited(app: Sphinx) -> None:
    add_web_assets(app, policy(app.builder).keeps_progress, DATA_FILE, "progress.js", "progress.css")


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.exercises")
    app.connect("builder-inited", builder_inited)
    app.connect("write-started", write_data)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
