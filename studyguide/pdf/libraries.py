"""Import WeasyPrint without asking the C toolchain where its libraries are.

WeasyPrint opens each of GObject's, Pango's, HarfBuzz's and fontconfig's libraries under
some six names, one for each platform, and cffi looks up every name the dynamic loader
does not open by itself with ``ctypes.util.find_library``, which on Linux runs
``ldconfig -p``, then gcc, then ld. On Debian that is 22 lookups, about 40 processes and
0.1 s of CPU in every process that imports WeasyPrint: each PDF worker of a cold build,
on the cores where Sphinx is reading the sources. On Linux the loader opens each library
under its soname (``libpango-1.0.so.0``), which is one of WeasyPrint's names, so while
WeasyPrint is imported there, a lookup answers "not found" at once. A library that is
missing is still reported by WeasyPrint, as before.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import sys


@contextlib.contextmanager
def by_soname():
    if not sys.platform.startswith("linux"):
        yield
        return
    lookup = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = lookup
