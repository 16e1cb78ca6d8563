"""What a Sphinx crash becomes in the driver's output: one line naming the cause."""

from __future__ import annotations

from sphinx.errors import ExtensionError, SphinxError

from studyguide.run_sphinx import cause


def test_a_handler_crash_is_reduced_to_its_cause():
    inner = ValueError("chunk-03.html: image too large\nsecond line of detail")
    wrapped = ExtensionError(
        "Handler <function x at 0x1> for event 'build-finished' threw an exception",
        orig_exc=ExtensionError("nested", orig_exc=inner),
    )
    assert cause(wrapped) == "ValueError: chunk-03.html: image too large"


def test_a_sphinx_error_keeps_its_message():
    assert (
        cause(SphinxError("book/ch1.md: the PDF renderer failed"))
        == "SphinxError: book/ch1.md: the PDF renderer failed"
    )
