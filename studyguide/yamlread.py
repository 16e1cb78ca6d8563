"""Reading the book's YAML data files with libyaml's parser when PyYAML was built with it.

PyYAML's pure-Python parser is about ten times slower: reading the timeline's data, twice
(the figure and the table), was a tenth of the preview's redraw after a figure-data edit.
The values and the errors (``yaml.MarkedYAMLError`` with its line) are the same either way.
"""

from __future__ import annotations

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text):
    """``yaml.safe_load``, with the faster parser: a string or an open text file."""
    return yaml.load(text, Loader=LOADER)  # noqa: S506 (a safe loader, C or Python)
