"""Acceptance: every vLLM flag removed between two consecutive scanned releases is either fixed into a flag the
newer release accepts, or still reported by a finding that names it (a human must act).

For each pair (A, B) of consecutive releases of the inventory (main and intermediate tags, in order), a
`run.sh` launches `vllm serve` with every long flag A accepts and B does not, then
`lmimigrate check --fix --unsafe-fixes --from vllm==A --to vllm==B` runs on it.
"""

from __future__ import annotations

import json

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate.stacks.vllm import inventory
from lmimigrate.cli import main
from lmimigrate.surfaces import parse_file
from lmimigrate.stacks.vllm.flags import switch_names


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
    return flag if key in switch_names() else f"{flag} 1"


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


# ---- the semantic oracle: what the fix writes must start on the target ---------------------------------------


def _json_configs(setting_values) -> list[tuple[str, object]]:
    out = []
    for key, value in setting_values:
        text = value if isinstance(value, str) else None
        if text is not None and text.strip().startswith("{"):
            out.append((key, json.loads(text)))
    return out


def _speculative_ok(config: dict) -> str:
    """vllm/config/speculative.py (0.33.0): "num_speculative_tokens must be provided"; a model or method is what
    the config speculates with (0.8.2 ignored flags without either)."""
    if "model" not in config and "method" not in config:
        return "speculative_config without a model or method"
    if "num_speculative_tokens" not in config:
        return "speculative_config without num_speculative_tokens"
    return ""


@pytest.mark.parametrize("a,b", PAIRS, ids=lambda v: str(v))
def test_fixed_command_passes_the_target_start_up_constraints(a, b, tmp_path, capsys, monkeypatch):
    flags = _removed_flags(a, b)
    if not flags:
        return
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\nvllm serve some/model " + " ".join(_word(f) for f in flags) + "\n")
    base = [str(script), "--from", f"vllm=={a}", "--to", f"vllm=={b}", "--output-format", "json", "--no-cache"]
    _json_findings(capsys, ["check", *base, "--fix", "--unsafe-fixes"])
    parsed = parse_file(str(script), script.read_text(), "shell")
    cli = [s for s in parsed.scopes() if s.kind == "cli"][0]
    problems = []
    for key, config in _json_configs((s.key, s.value) for s in cli.settings):
        if not isinstance(config, dict):
            problems.append(f"{key}: not a JSON object")
        elif key == "speculative_config" and _speculative_ok(config):
            problems.append(_speculative_ok(config))
    assert not problems, f"vllm {a} -> {b}: {problems}\n{script.read_text()}"


ENV_PAIRS = [(a, b) for a, b in PAIRS if sorted(set(inventory.for_version(a).env_vars) - set(inventory.for_version(b).env_vars))]


@pytest.mark.parametrize("a,b", ENV_PAIRS, ids=lambda v: str(v))
def test_removed_env_vars_are_moved_or_reported(a, b, tmp_path, capsys, monkeypatch):
    """Every VLLM_* variable removed between A and B, exported before `vllm serve`: after the fix each one left is
    named by a finding, and every flag a move added is one B accepts."""
    gone = sorted(v for v in set(inventory.for_version(a).env_vars) - set(inventory.for_version(b).env_vars)
                  if v.startswith("VLLM_"))
    if not gone:
        return
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\n" + "".join(f"export {v}=1\n" for v in gone) + "vllm serve some/model\n")
    base = [str(script), "--from", f"vllm=={a}", "--to", f"vllm=={b}", "--output-format", "json", "--no-cache"]
    _json_findings(capsys, ["check", *base, "--fix", "--unsafe-fixes"])
    remaining = _json_findings(capsys, ["check", *base])
    text = script.read_text()
    target = inventory.for_version(b)
    unreported = [v for v in gone if f"export {v}=" in text and not any(v in f["message"] for f in remaining)]
    assert not unreported, f"vllm {a} -> {b}: removed env vars left without a finding: {unreported}\n{text}"
    parsed = parse_file(str(script), text, "shell")
    cli = [s for s in parsed.scopes() if s.kind == "cli"]
    assert cli, text
    rejected = [s.raw_key for s in cli[0].settings
                if s.raw_key.startswith("--") and not target.accepts_flag(s.raw_key.split("=", 1)[0].split(".", 1)[0])]
    assert not rejected, f"vllm {a} -> {b}: the fix added flags vllm {b} rejects: {rejected}\n{text}"
    for key, config in _json_configs((s.key, s.value) for s in cli[0].settings):
        assert isinstance(config, dict), (key, config)
