"""Where the student and instructor editions differ.

Nodes that belong to one edition carry ``node['edition']``. This post-transform, run at
write time for every builder, removes the nodes of the other edition. Because the edition
is a write-time config value (rebuild ''), both editions share one parsed environment.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform


def is_instructor(config) -> bool:
    return config.studyguide_edition == "instructor"


class EditionFilter(SphinxPostTransform):
    default_priority = 5  # before anything renders or numbers what it would drop

    def run(self) -> None:
        edition = self.config.studyguide_edition
        for node in list(self.document.findall(nodes.Element)):
            wanted = node.get("edition")
            if wanted and wanted != edition and node.parent is not None:
                node.parent.remove(node)


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.settings")
    app.add_post_transform(EditionFilter)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
