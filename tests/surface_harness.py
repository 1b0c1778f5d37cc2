"""Fixture-driven extraction and edit round-trip tests for surfaces.

A case is a directory `fixtures/surfaces/<surface>/<case>/` holding:
- `input.<ext>` (or any file named `input*`; its name after `input` picks the surface, e.g. `input.env`,
  `input.yaml`, `input__Dockerfile` for a file named `Dockerfile`, `input__serving.properties`);
- `settings.json`: the expected extraction, a list of `[ns, key, value]` in file order, derived `lmi`
  settings included (values as JSON: strings, numbers, booleans, null for bare flags / non-literals);
- optionally `ops.json` and `expected*`: operations applied in one round, and the expected file afterwards.

Operations (`ops.json`, a list):
- `{"op": "rename", "ns": "env", "key": "A", "new_key": "B"}` (optional `"new_ns"`)
- `{"op": "set", "ns": "lmi", "key": "option.x", "value": "1"}`
- `{"op": "delete", "ns": "vllm", "key": "max_num_seqs"}`
- `{"op": "insert", "ns": "lmi", "key": "option.y", "value": true, "scope": 0}` (scope index in file order;
  optional `"after": [ns, key]`)

Every case also checks: a no-op rewrite gives back the same bytes, the edited file parses again, and the
edited file keeps BOM / line endings / final newline.
"""

from __future__ import annotations

import json
from pathlib import Path

from lmimigrate import surfaces
from lmimigrate.core.engine import apply_edits, decode
from lmimigrate.core.ftypes import Setting, TextEdit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "surfaces"


def cases(surface: str) -> list[Path]:
    root = FIXTURES / surface
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def _input(case: Path) -> Path:
    return next(p for p in case.iterdir() if p.name.startswith("input"))


def _filename(p: Path) -> str:
    rest = p.name[len("input") :]
    return rest[2:] if rest.startswith("__") else "x" + rest if rest.startswith(".") else rest


def load(case: Path):
    inp = _input(case)
    name = _filename(inp)
    surface = surfaces.classify(name)
    assert surface, f"{inp}: no surface for {name}"
    data = inp.read_bytes()
    decoded = decode(data, name)
    assert not hasattr(decoded, "code"), f"{inp}: {decoded}"
    parsed = surfaces.parse_file(name, decoded.text, surface)
    return name, surface, decoded, parsed


def extracted(parsed) -> list[list]:
    out = []
    for scope in parsed.scopes():
        for s in scope.settings:
            out.append([s.ns, s.key, s.value if s.literal else None])
    return out


def _find(parsed, ns: str, key: str) -> Setting:
    for scope in parsed.scopes():
        for s in scope.settings:
            if s.ns == ns and s.key == key:
                return s
    raise AssertionError(f"no setting {ns}:{key}")


def run_case(case: Path) -> None:
    name, surface, decoded, parsed = load(case)
    expected_settings = json.loads((case / "settings.json").read_text())
    assert extracted(parsed) == expected_settings, f"{case.name}: extraction differs"

    # No-op rewrite: the file comes back byte for byte.
    same = parsed.file_text([u.text for u in parsed.units])
    assert decoded.encode(same) == _input(case).read_bytes()

    ops_file = case / "ops.json"
    if not ops_file.exists():
        return
    per_unit: dict[int, list] = {}
    for op in json.loads(ops_file.read_text()):
        if op["op"] == "insert":
            scope = list(parsed.scopes())[op.get("scope", 0)]
            after = _find(parsed, *op["after"]) if op.get("after") else None
            edits = scope.insert(op["ns"], op["key"], op["value"], after=after)
            unit = scope.unit
        else:
            s = _find(parsed, op["ns"], op["key"])
            unit = s.unit
            if op["op"] == "rename":
                edits = s.rename(op["new_key"], op.get("new_ns"))
            elif op["op"] == "set":
                edits = s.set_value(op["value"])
            elif op["op"] == "delete":
                edits = s.delete()
            else:
                raise AssertionError(op)
        per_unit.setdefault(id(unit), []).extend(edits)
    # Text embedded in another unit (a shell script in a YAML scalar) is written back through its host.
    for u in reversed(parsed.units):
        if u.host is not None and per_unit.get(id(u)):
            encoded = u.encode(apply_edits(u.text, per_unit.pop(id(u))))
            per_unit.setdefault(id(u.host), []).append(TextEdit(*u.host_span, encoded))
    texts = [apply_edits(u.text, per_unit.get(id(u), [])) for u in parsed.units]
    new_text = parsed.file_text(texts)
    expected = next(p for p in case.iterdir() if p.name.startswith("expected"))
    assert decoded.encode(new_text) == expected.read_bytes(), f"{case.name}: edited output differs"
    surfaces.parse_file(name, new_text, surface)  # must still parse
