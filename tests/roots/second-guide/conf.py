"""A second, tiny guide built by the same package (tests/test_second_guide.py): its facts
are its own, so nothing of the main book may show up in its outputs."""

project = "Der Wasserkreislauf"
author = "Die Erdkunde-Gruppe"
copyright = "2026, Die Erdkunde-Gruppe"
version = release = "0.3"
language = "de"
root_doc = "index"
studyguide_subtitle = "Ein kleiner Lernbegleiter"
studyguide_description = "Zwei kurze Kapitel über Verdunstung und Niederschlag, mit Übungen."
studyguide_basename = "wasserkreislauf"
studyguide_exercises_dir = "../exercises"  # relative to book/

extensions = ["myst_parser", "sphinxcontrib.bibtex", "studyguide"]
nitpicky = True
suppress_warnings = ["toc.not_included"]
numfig = True
myst_enable_extensions = ["colon_fence", "deflist"]
bibtex_bibfiles = ["book/references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

html_theme = "sphinx_book_theme"
html_title = "Der Wasserkreislauf"
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_context = {"default_mode": "auto"}
html_theme_options = {"use_download_button": False, "home_page_in_toc": True}

epub_basename = studyguide_basename
epub_theme = "studyguide_epub"
epub_title = f"{project}: {studyguide_subtitle}"
epub_author = author
epub_publisher = author
epub_copyright = copyright
epub_description = studyguide_description
epub_identifier = "wasserkreislauf-0-3"
epub_uid = epub_identifier
epub_scheme = "URN"
epub_cover = ("_static/cover.png", "")
epub_show_urls = "no"
epub_use_index = True
