# A two-chapter book for in-process tests of where solutions go (tests/test_inprocess.py).
project = "Placement test book"
author = "Test Authors"
copyright = "2026, Test Authors"
version = release = "0.1"
language = "en"
extensions = ["myst_parser", "studyguide"]
exclude_patterns = ["_build", "exercises"]
nitpicky = True
bibtex_bibfiles = []  # the package loads sphinxcontrib-bibtex; this book cites nothing
suppress_warnings = ["toc.not_included"]
studyguide_basename = "placement"
studyguide_exercises_dir = "exercises"  # relative to this folder (the source folder)
myst_enable_extensions = ["colon_fence", "deflist"]
epub_basename = studyguide_basename
epub_theme = "studyguide_epub"
epub_title = project
epub_author = author
epub_publisher = author
epub_copyright = copyright
epub_identifier = "placement-test-book"
epub_uid = epub_identifier
epub_scheme = "URN"
