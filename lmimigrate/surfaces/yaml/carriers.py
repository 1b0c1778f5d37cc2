"""YAML scalars that hold another surface's file, embedded so its own surface reads it
(`lmimigrate.surfaces.embed`):

- a `serving.properties: |` block (benchmarking configs, test matrices): properties;
- shell scripts: SkyPilot `run:`/`setup:`, GitHub Actions step `run:`, Truss `start_command`, dstack
  `commands:` and CI `script:` lists (each item one script).

Recognition is by key name only, so it costs one dictionary look-up per mapping entry; text that does not
parse as the guessed surface is simply not embedded. Compose `command:`/`entrypoint:` strings and Kubernetes
`sh -c` scripts are read as command lines by `commands`.
"""

from __future__ import annotations

from lmimigrate.core.ftypes import Unit
from lmimigrate.surfaces.embed import embed, placeholders
from lmimigrate.surfaces.yaml.codec import decode
from lmimigrate.surfaces.yaml.tree import YNode, walk

#: Keys whose scalar value is a shell script.
SCRIPT_KEYS = frozenset({"run", "setup", "start_command", "startCommand"})
#: Keys whose value is a list of shell commands (or a single script).
SCRIPT_LIST_KEYS = frozenset({"commands", "script", "before_script", "after_script"})


def _properties_key(key: str) -> bool:
    return key.endswith(".properties") or key in ("serving_properties", "servingProperties")


def carriers(host: Unit, root: YNode, doc: tuple[int, int]) -> list[Unit]:
    """The embedded units of one document, in document order."""
    out: list[Unit] = []
    for node, _, _ in walk(root):
        if node.kind != "map":
            continue
        for k, v in node.pairs:
            if k.kind != "scalar" or k.tag is not None:
                continue
            key = k.value
            if _properties_key(key):
                out.extend(embed_scalar(host, v, doc, "properties", f"YAML `{key}`", "serving.properties"))
            elif key in SCRIPT_KEYS:
                out.extend(embed_scalar(host, v, doc, "shell", f"YAML `{key}`", "script.sh"))
            elif key in SCRIPT_LIST_KEYS:
                items = v.children if v.kind == "seq" else [v]
                for item in items:
                    out.extend(embed_scalar(host, item, doc, "shell", f"YAML `{key}`", "script.sh"))
    return out


def embed_scalar(host: Unit, node: YNode, doc: tuple[int, int], surface: str, label: str, name: str) -> list[Unit]:
    """The units of `surface` text held by one scalar ([] when it does not map back exactly or parse)."""
    scalar = decode(host.text, node, doc)
    if scalar is None or not scalar.text.strip():
        return []
    return embed(host, scalar.span, scalar.text, surface, encode=scalar.encode, to_host=scalar.to_host,
                 opaque=placeholders(scalar.text), label=label, name=name)
