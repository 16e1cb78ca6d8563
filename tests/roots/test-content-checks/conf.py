# A small book on which tests/test_content.py checks its own doctree readers: the tests
# write sample pages into a copy of this folder and read them in-process.
project = "Content checks"
author = "Test Authors"
copyright = "2026, Test Authors"
extensions = ["myst_parser", "sphinxcontrib.bibtex", "studyguide"]
exclude_patterns = ["_build", "exercises"]
suppress_warnings = ["toc.not_included"]
studyguide_exercises_dir = "exercises"  # relative to this folder (the source folder)
bibtex_bibfiles = ["references.bib"]
bibtex_reference_style = "author_year"
myst_enable_extensions = ["colon_fence", "deflist"]
