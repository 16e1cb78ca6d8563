"""The package is compiled once when Python is told not to write bytecode
(``PYTHONDONTWRITEBYTECODE``): otherwise every build process compiles it anew."""

from __future__ import annotations

import importlib.util
import os
import sys

from studyguide import bytecode


def _package(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "mod.py").write_text("VALUE = 1\n")
    return package


def test_stale_and_missing_modules_are_compiled_when_python_writes_none(tmp_path, monkeypatch):
    package = _package(tmp_path)
    monkeypatch.setattr(bytecode, "PACKAGE", package)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    module = package / "sub" / "mod.py"
    cached = importlib.util.cache_from_source(str(module))
    bytecode.compile_package()
    assert os.path.isfile(cached)
    first = open(cached, "rb").read()

    module.write_text("VALUE = 2  # edited\n")
    os.utime(module, ns=(os.stat(cached).st_mtime_ns + 10**9,) * 2)
    bytecode.compile_package()
    assert open(cached, "rb").read() != first, "an edited module kept its old bytecode"


def test_nothing_is_written_when_python_writes_bytecode_itself(tmp_path, monkeypatch):
    package = _package(tmp_path)
    monkeypatch.setattr(bytecode, "PACKAGE", package)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    bytecode.compile_package()
    assert not list(package.rglob("__pycache__"))
