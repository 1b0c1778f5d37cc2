"""Acceptance: every vLLM flag removed between two consecutive scanned releases is either fixed into a flag the
newer release accepts, or still reported by a finding that names it (a human must act).

For each pair (A, B) of consecutive releases of the inventory (main and intermediate tags, in order), a
`run.sh` launches `vllm serve` with every long flag A accepts and B does not, then
`lmimigrate check --fix --unsafe-fixes --from vllm==A --to vllm==B` runs on it.
"""

from __future__ import annotations

import json

import pytest
from packaging.version import Version

from lmimigrate.stacks.vllm import inventory
from lmimigrate.cli import main
from lmimigrate.surfaces import parse_file
from lmimigrate.stacks.vllm.flags import BOOL_FLAGS


def _releases() -> list[Version]:
    for attr in ("releases", "scanned_releases", "all_releases", "RELEASES"):
        found = getattr(inventory, attr, None)
        if found is not None:
            values = found() if callable(found) else found
            return sorted({Version(str(v).lstrip("v")) for v in values})
    raise AssertionError("lmimigrate.stacks.vllm.inventory lists no releases")


RELEASES = _releases()
PAIRS = list(zip(RELEASES, RELEASES[1:]))


def _removed_flags(a: Version, b: Version) -> list[str]:
    old, new = inventory.for_version(a), inventory.for_version(b)
    return sorted(f for f in set(old.cli_flags) - set(new.cli_flags) if f.startswith("--"))


def _word(flag: str) -> str:
    key = flag[2:].replace("-", "_")
    return flag if key in BOOL_FLAGS else f"{flag} 1"


def _json_findings(capsys, args: list[str]) -> list[dict]:
    main(args)
    return json.loads(capsys.readouterr().out)


def test_pairs_cover_the_inventory():
    assert len(RELEASES) >= 40, RELEASES
    assert RELEASES[0] == Version("0.5.5")
    # the appendix B transitions of the reference are present
    assert (Version("0.8.2"), Version("0.8.3")) in PAIRS
    assert "--speculative-model" in _removed_flags(Version("0.8.2"), Version("0.8.3"))


@pytest.mark.parametrize("a,b", PAIRS, ids=lambda v: str(v))
def test_removed_flags_are_fixed_or_reported(a, b, tmp_path, capsys, monkeypatch):
    flags = _removed_flags(a, b)
    if not flags:
        return  # nothing removed between these two releases
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\nvllm serve some/model " + " ".join(_word(f) for f in flags) + "\n")
    base = [str(script), "--from", f"vllm=={a}", "--to", f"vllm=={b}", "--output-format", "json", "--no-cache"]
    _json_findings(capsys, ["check", *base, "--fix", "--unsafe-fixes"])
    remaining = _json_findings(capsys, ["check", *base])
    text = script.read_text()
    target = inventory.for_version(b)
    parsed = parse_file(str(script), text, "shell")
    cli = [s for s in parsed.scopes() if s.kind == "cli"]
    assert cli, f"the fixed script no longer launches vllm:\n{text}"
    index = parsed.units[0].index
    unresolved = []
    for s in cli[0].settings:
        written = s.raw_key.split("=", 1)[0]
        base_flag = written.split(".", 1)[0]
        if base_flag == "-O" or target.accepts_flag(base_flag):
            continue
        line = index.position(s.key_span[0])[0]
        named = [
            f for f in remaining
            if f["line"] == line and (written in f["message"] or base_flag in f["message"] or s.key in f["message"])
        ]
        if not named:
            unresolved.append(written)
    assert not unresolved, (
        f"vllm {a} -> {b}: flags left in the fixed command that vllm {b} rejects, with no finding naming them: "
        f"{unresolved}\n--- fixed run.sh\n{text}\n--- findings\n" + "\n".join(f"{f['code']} {f['message']}" for f in remaining)
    )
