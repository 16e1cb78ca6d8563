"""The web edition's own additions to sphinx-book-theme."""
