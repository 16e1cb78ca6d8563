"""Where inline content is: MyST gives a line to a paragraph, not to the text inside it.

A link or an HTML tag on the third line of a paragraph would be reported on its first;
MyST keeps each soft line break as a ``"\\n"`` text node, so counting the breaks before a
node gives its own line.
"""

from __future__ import annotations

from docutils import nodes


def location(node: nodes.Node, offset: int = 0) -> str | nodes.Node:
    """``path:line`` of ``node`` (of its character ``offset``, for a text node), for
    Sphinx's logger; the node itself when no ancestor has a line."""
    element = node.parent
    while element is not None and element.line is None:
        element = element.parent
    if element is None or not element.source:
        return node
    breaks = 0
    for other in element.findall(nodes.Text):
        if other is node:
            break
        if other.parent is node:  # (a raw node's own text)
            break
        if not _in_message(other, element):
            breaks += other.count("\n")
    if isinstance(node, nodes.Text):
        breaks += node[:offset].count("\n")
    return f"{element.source}:{element.line + breaks}"


def _in_message(node: nodes.Node, top: nodes.Element) -> bool:
    """True inside a parser's message (its text is not the author's)."""
    while node is not None and node is not top:
        if isinstance(node, nodes.system_message):
            return True
        node = node.parent
    return False
