"""``python -m studyguide new DIR`` starts a guide; ``python -m studyguide build ...`` builds one
(the same driver as ``python -m studyguide.build``, which ``make`` calls)."""

from __future__ import annotations

import sys

COMMANDS = {"new": "studyguide.scaffold", "build": "studyguide.build"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(
            f"usage: python -m studyguide {{{','.join(COMMANDS)}}} ...\n"
            "  new DIR     start a new guide in DIR\n"
            "  build ...   build the guide in the working directory (see build --help)",
            file=sys.stderr,
        )
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    from importlib import import_module

    return import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
