"""The PDF edition: a Sphinx builder that writes one print document and renders it with WeasyPrint."""
