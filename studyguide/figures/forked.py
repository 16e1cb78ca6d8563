"""Redraw the figures in a forked copy of the preview while the preview rebuilds the pages.

After a figure-data edit, matplotlib's drawing was more than half of the preview's rebuild,
and it needs nothing of Sphinx's but the data folder: a copy of the process, which has
matplotlib imported already (``live.warm_figures``), draws on the other core while this
one reads and writes the pages, and the images are copied once it is done
(``Preview.wait_for_figures``). Only on Linux, where forking a process that runs threads
(the server's) is sound for what the copy does; elsewhere the preview draws first, as a
build does.

The files are dated when the data were read, which is before the pages that show them
were: Sphinx reads a page again when an image it shows is newer than the page, and would
otherwise read the figure's page once more at the next save.
"""

from __future__ import annotations

import os
import sys
import time

from sphinx.errors import ExtensionError

from studyguide.figures.sphinx import draw_figures, stale_figures


class Drawing:
    """A forked copy of this process drawing the out-of-date figures; ``wait`` for it."""

    def __init__(self, pid: int, said: int) -> None:
        self.pid, self.said = pid, said

    @classmethod
    def start(cls, app, for_print: bool) -> Drawing | None:
        """The drawing, started; ``None`` when nothing is out of date or this system cannot
        fork (draw in this process then: ``draw_figures`` finds nothing left to draw after
        a drawing has been waited for). A figure without its inputs raises here, at once."""
        if sys.platform != "linux" or not stale_figures(app, for_print):
            return None
        dated = time.time_ns()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the copy: draw, say what went wrong if anything, and leave
            code, message = 0, b""
            try:
                os.close(read)
                from studyguide.children import die_with_parent

                die_with_parent()
                draw_figures(app, for_print, dated=dated)
            except ExtensionError as err:
                code, message = 1, err.message.encode()
            except BaseException as err:
                code, message = 1, f"the figures could not be drawn: {err!r}".encode()
            finally:
                try:
                    os.write(write, message)
                finally:
                    os._exit(code)
        os.close(write)
        return cls(pid, read)

    def wait(self) -> None:
        """Until the figures are drawn; raise ``ExtensionError`` with the copy's message if
        they could not be (its file:line when the data could not be parsed)."""
        chunks = []
        while chunk := os.read(self.said, 1 << 16):
            chunks.append(chunk)
        os.close(self.said)
        _pid, status = os.waitpid(self.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            message = b"".join(chunks).decode(errors="replace")
            raise ExtensionError(message or f"the figures could not be drawn (exit code {code})")
