"""A test hook: stop at a named point of the build until the test says go.

The fault tests interrupt a build at chosen moments (while parsing, while the PDF renders,
while publishing). With ``STUDYGUIDE_TEST_PAUSE=<point>`` and ``STUDYGUIDE_TEST_PAUSE_DIR``
set, the process that reaches ``<point>`` creates ``<dir>/<point>.reached`` and waits for
``<dir>/<point>.go``: the test knows exactly where the build is when it sends its signal.
Unset, it costs one dictionary look-up.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def pause(point: str) -> None:
    if os.environ.get("STUDYGUIDE_TEST_PAUSE") != point:
        return
    folder = Path(os.environ["STUDYGUIDE_TEST_PAUSE_DIR"])
    (folder / f"{point}.reached").write_text(str(os.getpid()))
    while not (folder / f"{point}.go").exists():
        time.sleep(0.05)
