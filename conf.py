"""Sphinx configuration for the study guide (HTML, EPUB, PDF and the editions).

Sources live in book/ (the Makefile passes it as the source directory, with this folder as
the configuration directory), so the root document is book/index.md and EPUB paths stay
flat. Everything the pipeline adds is the `studyguide` package; this file only sets values.
"""

# -- The book ------------------------------------------------------------------------------
project = "Stalin and Zhukov"
author = "The Study Guide Authors"
copyright = "2026, The Study Guide Authors; text licensed CC BY-SA 4.0"  # also the EPUB's dc:rights
version = release = "2.0"  # the book's edition (the package's version is studyguide.__version__)
language = "en"
root_doc = "index"
studyguide_subtitle = "A Study Guide to 1941-1942 and After"
studyguide_description = (
    "A study guide for students of the Second World War on the partnership of Joseph Stalin "
    "and Georgy Zhukov: the alliance, the 1941 defences of Leningrad and Moscow, the 1942 "
    "failures at Rzhev and Kharkov, and the legacy, with review exercises."
)
studyguide_basename = "stalin-zhukov"
studyguide_copyright_doc = "licence"  # printed on the verso of the PDF's title page
studyguide_exercises_dir = "../exercises"  # relative to book/
studyguide_figures_data = "figures"  # relative to book/
# studyguide_edition and studyguide_paper come from EDITION= and PAPER= (see Makefile).

extensions = [
    "myst_parser",
    "sphinxcontrib.bibtex",
    "studyguide",
]
exclude_patterns = ["_figures/*.sha256"]
nitpicky = True
suppress_warnings = ["toc.not_included"]  # studyguide.content.source_checks says it with a line
numfig = True
numfig_format = {"figure": "Figure %s", "table": "Table %s"}
numfig_secnum_depth = 0  # Figure 1, 2, 3 through the book (back matter has no chapter number)
today_fmt = "%B %Y"

# -- MyST ----------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 0  # sections are cross-referenced by explicit labels only

# -- Bibliography (only works listed in the source notes) ----------------------------------
bibtex_bibfiles = ["book/references.bib"]  # relative to this folder
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

# -- HTML edition --------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Stalin and Zhukov: A Study Guide"
html_last_updated_fmt = None
html_copy_source = False
html_context = {"default_mode": "auto"}  # pydata-sphinx-theme logs an error when this is empty
html_favicon = "studyguide/html/favicon.svg"
html_show_sourcelink = False
html_static_path = []
html_css_files = []
html_theme_options = {
    "use_download_button": False,  # replaced by our PDF/EPUB menu (studyguide.html.downloads)
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}

# -- EPUB ----------------------------------------------------------------------------------
epub_basename = studyguide_basename
epub_theme = "studyguide_epub"
epub_title = f"{project}: {studyguide_subtitle}"
epub_author = author
epub_publisher = author
epub_copyright = copyright
epub_description = studyguide_description
epub_identifier = (
    f"{studyguide_basename}-study-guide-{release.replace('.', '-')}"  # an XML name: NCX and OPF agree
)
epub_uid = epub_identifier
epub_scheme = "URN"
epub_cover = ("_static/cover.png", "")
epub_show_urls = "no"
epub_tocdepth = 2
epub_tocscope = "includehidden"  # the root page hides its toctrees (the theme shows them)
epub_use_index = True
epub_exclude_files = [".buildinfo.bak"]  # Sphinx 9 leaves it when the config changes
