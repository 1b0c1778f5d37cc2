"""The vLLM inventory's file format, shared by its writer (scripts/gen_vllm_inventory.py) and its reader
(inventory.py): JSON Lines, so that adding a release adds a line and a diff shows what changed.

- Line 1: a header: {"format": 2, "generated_by": ..., "method": ..., "set_kinds": [...]}.
- Then one line per release, oldest first: {"version": "0.6.0", ...}. Set-valued kinds (`SET_KINDS`) are
  full sorted lists in the first release and deltas against the previous release afterwards
  ({"+": added, "-": removed}; absent: unchanged). Dict-valued kinds (`DICT_KINDS`) are given whole when they
  differ from the previous release's (absent: unchanged). Other keys (`wheel_version`) are copied as they are.

`encode` takes full (decoded) releases and `decode` gives them back, so the script can merge one new
release into the existing data (`--add`) without extracting the others again.
"""

from __future__ import annotations

import json
from lmimigrate.core.patterns import lazy_pattern

FORMAT = 2

SET_KINDS = (
    "cli_flags",
    "serve_only_flags",
    "deprecated_flags",
    "boolean_optional_flags",
    "switch_flags",
    "engine_args_fields",
    "async_engine_args_extra_fields",
    "env_vars",
    "sampling_params_fields",
    "llm_init_params",
    "llm_generate_params",
)
DICT_KINDS = ("flag_aliases", "parser_rewritten_flags", "deprecated_env_vars", "parser")

_VERSION_AT_START = lazy_pattern(r'\{"version":\s*"([^"]+)"')


def _key(version: str):
    from lmimigrate.core.pep440 import Version

    return Version(version)


def encode(header: dict, releases: dict[str, dict]) -> str:
    """The file's text for full releases ({version: {kind: list | dict | value}})."""
    lines = [json.dumps({**header, "format": FORMAT, "set_kinds": list(SET_KINDS)}, ensure_ascii=False)]
    prev: dict | None = None
    for version in sorted(releases, key=_key):
        rel = releases[version]
        out: dict = {"version": version}
        for kind in SET_KINDS:
            cur = set(rel.get(kind, ()))
            if prev is None:
                out[kind] = sorted(cur)
                continue
            old = set(prev.get(kind, ()))
            delta = {}
            if cur - old:
                delta["+"] = sorted(cur - old)
            if old - cur:
                delta["-"] = sorted(old - cur)
            if delta:
                out[kind] = delta
        for kind in DICT_KINDS:
            value = rel.get(kind) or {}
            if value != ((prev.get(kind) or {}) if prev is not None else {}):
                out[kind] = value  # whole, and only when it differs from the previous release's
        for key, value in rel.items():
            if key not in SET_KINDS and key not in DICT_KINDS and key != "version" and value is not None:
                out[key] = value
        lines.append(json.dumps(out, ensure_ascii=False, sort_keys=False))
        prev = rel
    return "\n".join(lines) + "\n"


def decode(text: str) -> tuple[dict, dict[str, dict]]:
    """(header, full releases in file order), set kinds as sorted lists (what `encode` takes).
    Raises ValueError for a file not in this format."""
    header, releases = decode_sets(text)
    return header, {v: {k: sorted(x) if k in SET_KINDS else x for k, x in rel.items()} for v, rel in releases.items()}


def decode_sets(text: str) -> tuple[dict, dict[str, dict]]:
    """As `decode`, with set kinds as frozensets that releases share while unchanged (what the reader needs:
    rebuilding ~10 sets of hundreds of names for each of ~50 releases was most of a one-file run's load)."""
    chain = Chain(text)
    return chain.header, chain.all()


class Chain:
    """The releases of an inventory text, each decoded when asked: a run reads one or two releases (its
    version pair's), and applying every delta to every set of every release cost more than the rest of a
    one-file check. Raises ValueError for a file not in this format."""

    def __init__(self, text: str):
        lines = [line for line in text.splitlines() if line.strip()]
        if not lines:
            raise ValueError("empty inventory")
        header = json.loads(lines[0])
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError(f"inventory format {header.get('format') if isinstance(header, dict) else '?'}, "
                             f"expected {FORMAT}")
        self.header: dict = header
        self._rows: list[dict] = [json.loads(line) for line in lines[1:]]
        self.versions: list[str] = [str(row["version"]) for row in self._rows]  # file order, oldest first
        for kind in SET_KINDS:
            if self._rows and isinstance(self._rows[0].get(kind), dict):
                raise ValueError(f"first release {self.versions[0]} holds a delta for {kind}")
        self._decoded: dict[str, dict] = {}
        self._walked = 0  # releases decoded so far (in file order); the walk's sets and last release:
        self._state: dict[str, frozenset[str]] = {k: frozenset() for k in SET_KINDS}
        self._previous: dict = {}

    def release(self, version: str) -> dict:
        """One release, whole (set kinds as frozensets). KeyError for a release not in the file."""
        found = self._decoded.get(version)
        if found is None:
            self._walk(self.versions.index(version) + 1)
            found = self._decoded[version]
        return found

    def all(self) -> dict[str, dict]:
        """Every release, whole, in file order; unchanged sets are shared between releases."""
        self._walk(len(self.versions))
        return {v: self._decoded[v] for v in self.versions}

    def union(self, kind: str) -> frozenset[str]:
        """Every name of the set kind `kind` in some release, without decoding the releases: a name is in a
        release only if a full list or an addition brought it."""
        out: set[str] = set()
        for row in self._rows:
            value = row.get(kind)
            out.update(value if isinstance(value, list) else value.get("+", ()) if isinstance(value, dict) else ())
        return frozenset(out)

    def _walk(self, count: int) -> None:
        """Decode the first `count` releases, going on from the last one decoded (a run asks for its source's
        release and then its target's: one pass, not two); a set kind gets a new frozenset only where a
        release changes it."""
        state, previous = self._state, self._previous
        for row in self._rows[self._walked:count]:
            full: dict = {}
            for kind in SET_KINDS:
                value = row.get(kind)
                if isinstance(value, list):
                    state[kind] = frozenset(value)
                elif isinstance(value, dict):
                    state[kind] = state[kind].difference(value.get("-", ())).union(value.get("+", ()))
                full[kind] = state[kind]
            for kind in DICT_KINDS:
                full[kind] = row[kind] if kind in row else dict(previous.get(kind, {}))
            full.update((k, v) for k, v in row.items() if k != "version" and k not in SET_KINDS and k not in DICT_KINDS)
            self._decoded[str(row["version"])] = previous = full
        self._previous = previous
        self._walked = max(self._walked, count)


def versions(text: str) -> list[str]:
    """The releases in the file, oldest first, without decoding it (for the stack's version range)."""
    return [m.group(1) for m in map(_VERSION_AT_START.match, text.splitlines()) if m]
