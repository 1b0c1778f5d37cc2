"""Running the command line in-process: a `repo` fixture (a temporary working directory, plain output) and
`run`, which returns (exit code, stdout, stderr). Test modules import both."""

from __future__ import annotations

import pytest

from lmimigrate.cli import main


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err
