"""Text output in terminals: under a pseudo-terminal with no size (as pre-commit runs hooks), with
COLUMNS=80 and 120, no docs URL is split and no code frame is repeated for the same span. Also the
layouts: grouped frames, concise, grouped-by-file, statistics, the per-rule table of long outputs."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

import pytest

from lmimigrate import DOCS_URL
from lmimigrate.cli import main
from lmimigrate.output import terminal

# One `vllm serve` line that several default-change notes share, and a long line to crop.
RUN_SH = (
    "#!/bin/sh\n"
    "vllm serve facebook/opt-125m --max-model-len 4096 --swap-space 4 --tokenizer-pool-size 2"
    " --served-model-name a-name-that-pushes-this-line-past-120-columns\n"
)
CROSS = ["--from", "vllm==0.8.0", "--to", "vllm==0.12.0"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
URL_RX = re.compile(r"https://\S+")


def _pty_run(cwd, columns: str | None) -> str:
    """Run `lmimigrate check` with stdout and stderr on a fresh pseudo-terminal, whose size is 0x0 (no
    TIOCSWINSZ), as pre-commit's."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "CI", "PRE_COMMIT")}
    env["TERM"] = "xterm-256color"
    if columns is not None:
        env["COLUMNS"] = columns
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "lmimigrate", "check", "--no-cache", *CROSS], cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return ANSI.sub("", b"".join(chunks).decode("utf-8", "replace")).replace("\r\n", "\n")


@pytest.fixture
def sample(tmp_path):
    (tmp_path / "run.sh").write_text(RUN_SH)
    return tmp_path


@pytest.mark.parametrize("columns", [None, "80", "120"])
def test_pseudo_terminal_output_keeps_urls_whole_and_frames_single(sample, columns):
    out = _pty_run(sample, columns)
    heads = re.findall(r"^run\.sh:(\d+:\d+): (VLLM\d+) ", out, re.M)
    assert sum(1 for span, _ in heads if span == "2:1") >= 3, out  # several notes on the one span
    urls = URL_RX.findall(out)
    assert sorted(urls) == sorted(DOCS_URL.format(code=c) for _, c in heads), out
    # One frame per span: as many copies of line 2 as there are distinct spans on it.
    assert len(re.findall(r"^\s*2 \| vllm serve", out, re.M)) == len({span for span, _ in heads}), out
    # Every message is there in full (wrapped between words at most, never cropped).
    listing = subprocess.run([sys.executable, "-m", "lmimigrate", "check", "--no-cache", *CROSS, "--output-format", "json"],
                             cwd=sample, capture_output=True, text=True).stdout
    flat = " ".join(out.split())
    for f in json.loads(listing):
        assert " ".join(f"{f['code']} {f['message']}".split()) in flat, (f["message"], out)
    if columns is None:  # no usable width: nothing is cropped
        assert "pushes-this-line-past-120-columns" in out
        assert "…" not in out


def test_width_prefers_columns_then_the_terminal(monkeypatch):
    master, slave = pty.openpty()
    try:
        with os.fdopen(os.dup(slave), "w") as stream:
            monkeypatch.delenv("COLUMNS", raising=False)
            assert terminal.width(stream) is None  # a pseudo-terminal with no size, like pre-commit's
            monkeypatch.setenv("COLUMNS", "93")
            assert terminal.width(stream) == 93
            monkeypatch.setenv("COLUMNS", "0")
            assert terminal.width(stream) is None
    finally:
        os.close(master)
        os.close(slave)


def test_colour_output_never_splits_a_url_even_in_a_very_narrow_terminal(sample, monkeypatch, capsys):
    monkeypatch.chdir(sample)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.delenv("NO_COLOR", raising=False)
    main(["check", "--no-cache", *CROSS])
    out = ANSI.sub("", capsys.readouterr().out)
    for url in URL_RX.findall(out):
        assert re.fullmatch(re.escape(DOCS_URL.format(code="X")).replace("X", r"[A-Z]+\d+"), url), url


@pytest.fixture
def plain(sample, monkeypatch):
    monkeypatch.chdir(sample)
    monkeypatch.setenv("NO_COLOR", "1")
    return sample


def test_full_layout_shares_one_frame_and_tags_notes_by_code(plain, capsys):
    main(["check", "--no-cache", *CROSS])
    out = capsys.readouterr().out
    codes = re.findall(r"^run\.sh:2:1: (VLLM\d+) ", out, re.M)
    assert len(codes) >= 3
    assert out.count("2 | vllm serve") == len(set(re.findall(r"^run\.sh:(2:\d+): ", out, re.M)))
    for code in codes:
        assert f"  = {code} docs: {DOCS_URL.format(code=code)}" in out


def test_concise_layout_is_one_line_per_finding(plain, capsys):
    main(["check", "--no-cache", *CROSS, "--output-format", "concise"])
    lines = capsys.readouterr().out.splitlines()
    assert all(re.match(r"run\.sh:\d+:\d+: [A-Z]+\d+ ", line) for line in lines[:-1])
    assert lines[-1].startswith("Found ")


def test_grouped_layout_names_each_file_once(plain, capsys):
    (plain / "other.sh").write_text(RUN_SH)
    main(["check", "--no-cache", *CROSS, "--output-format", "grouped"])
    out = capsys.readouterr().out
    assert out.count("run.sh:\n") == 1 and out.count("other.sh:\n") == 1
    assert re.search(r"^  2:1 +VLLM\d+ ", out, re.M)


def test_statistics_counts_per_rule(plain, capsys):
    (plain / "other.sh").write_text(RUN_SH)
    main(["check", "--no-cache", *CROSS, "--statistics"])
    out = capsys.readouterr().out
    rows = re.findall(r"^(\d+)\s+(VLLM\d+)\s+(info|warning|error)\s", out, re.M)
    assert rows and all(count == "2" for count, _, _ in rows)
    assert "vllm serve" not in out  # counts, not findings


def test_statistics_as_json(plain, capsys):
    import json

    main(["check", "--no-cache", *CROSS, "--statistics", "--output-format", "json"])
    stats = json.loads(capsys.readouterr().out)
    assert stats and {"code", "name", "severity", "count", "fixable"} == set(stats[0])


def test_long_output_ends_with_a_per_rule_table(plain, capsys):
    for i in range(6):
        (plain / f"run{i}.sh").write_text(RUN_SH)
    main(["check", "--no-cache", *CROSS])
    out = capsys.readouterr().out
    table = out[out.index("Findings by rule:"):]
    assert re.search(r"^7\s+VLLM\d+\s+info\s", table, re.M)
    assert table.rstrip().splitlines()[-1].startswith("Found ")


def test_short_output_has_no_per_rule_table(plain, capsys):
    main(["check", "--no-cache", *CROSS])
    assert "Findings by rule" not in capsys.readouterr().out
