"""The EPUB edition: Sphinx's EPUB 3 builder made valid, accessible and reproducible."""
