"""The PDF edition: a Sphinx builder that writes one print document and renders it with WeasyPrint."""

# Set by the build driver, to the pages from which a book is long (JOIN_APART_PAGES unless
# the environment says otherwise): the builder of a long book leaves the joining of its
# chunks to a process of its own (``python -m studyguide.pdf.merge``), run once the
# builder's process has gone, so the join's memory does not come on top of Sphinx's.
# (``sphinx-build -b pdf``, and a short book, join in process: a process more costs a
# tenth of a second.)
JOIN_APART = "STUDYGUIDE_JOIN_APART"
JOIN_PLAN = "join.json"  # in the builder's output folder: what the join is to do
# The join holds every page (0.38 MB a page on the 20x book: 0.6 GB for 1,643 pages); from
# this many pages on it is worth a process of its own.
JOIN_APART_PAGES = 400
