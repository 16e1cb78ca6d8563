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


def test_a_writer_warms_up_with_what_the_last_application_imported(tmp_path):
    """The modules making the application imported last time are imported during the
    wait next time, and noted again (a warm start must not leave the next one cold); a
    name that no longer imports is passed over."""
    import json
    import subprocess
    import sys
    import textwrap

    (tmp_path / "conf.py").write_text("extensions = []\n")
    seen = tmp_path / "pdf.imports.json"
    seen.write_text(json.dumps(["no_such_module_anywhere", "xml.dom.minidom"]))
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from studyguide.run_sphinx import AT_START, note_imports, warm_imports
        assert "xml.dom.minidom" not in sys.modules
        warm_imports({str(tmp_path)!r}, Path({str(seen)!r}))
        assert "xml.dom.minidom" in sys.modules
        import wave
        note_imports(AT_START, Path({str(seen)!r}))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    noted = json.loads(seen.read_text())
    assert "wave" in noted and "xml.dom.minidom" in noted and "no_such_module_anywhere" not in noted
