"""Configuration values shared by the study guide's extensions.

They are declared in one place so that every extension reads the same names, and so that
a mistyped edition or paper size stops the build at ``config-inited`` instead of quietly
producing the wrong book.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from sphinx.errors import ConfigError

if TYPE_CHECKING:  # the build driver imports file_name(): keep Sphinx itself out of it
    from sphinx.application import Sphinx
    from sphinx.config import Config

PAPERS = {"a4": "A4", "letter": "letter"}
FIGURES_DATA = "figures"  # the figures' data folder, relative to the source, unless conf.py says


def build_date(config: Config) -> time.struct_time:
    """The date printed in the book: SOURCE_DATE_EPOCH when set, so rebuilds are identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return time.gmtime(int(epoch)) if epoch else time.gmtime()


def iso_date(config: Config) -> str:
    """The build date as documents' metadata carry it (ISO 8601, UTC)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", build_date(config))


def file_name(basename: str, edition: str, suffix: str) -> str:
    """File name of a book file: the instructor edition's never overwrites the student's."""
    return f"{basename}{'' if edition == 'student' else f'-{edition}'}.{suffix}"


def output_name(config: Config, suffix: str) -> str:
    return file_name(config.studyguide_basename, config.studyguide_edition, suffix)


def add_static_dir(app: Sphinx, directory) -> None:
    """Serve an extension's assets as an HTML static path, so every HTML-family builder copies
    them before it finishes (the EPUB packs only what is there by then)."""
    app.connect("builder-inited", lambda app: app.config.html_static_path.append(str(directory)))


def _check(app: Sphinx, config: Config) -> None:
    from studyguide.editions import EDITIONS  # here: the driver imports this module without Sphinx

    if config.studyguide_edition not in EDITIONS:
        raise ConfigError(
            f"studyguide_edition must be one of {', '.join(EDITIONS)}, not {config.studyguide_edition!r}"
        )
    if config.studyguide_paper not in PAPERS:
        raise ConfigError(
            f"studyguide_paper must be one of {', '.join(PAPERS)}, not {config.studyguide_paper!r}"
        )


def setup(app: Sphinx) -> dict:
    # Editions and paper only change what is written, never what is read: rebuild '' keeps
    # one parsed environment shared by every edition and format.
    app.add_config_value("studyguide_edition", os.environ.get("EDITION", "student"), "", str)
    app.add_config_value("studyguide_paper", os.environ.get("PAPER", "a4"), "", str)
    app.add_config_value("studyguide_subtitle", "", "", str)
    app.add_config_value("studyguide_description", "", "", str)
    app.add_config_value("studyguide_basename", "book", "", str)
    app.add_config_value("studyguide_copyright_doc", "", "", str)
    app.add_config_value("studyguide_exercises_dir", "../exercises", "env", str)
    app.add_config_value("studyguide_figures_data", FIGURES_DATA, "env", str)
    app.connect("config-inited", _check)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
