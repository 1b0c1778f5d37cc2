"""vLLM versions: plain release numbers, from the oldest to the newest release in the inventory's data."""

from __future__ import annotations

import os

from lmimigrate.core.pep440 import Version

from lmimigrate.core.versions import StackInfo, register
from lmimigrate.stacks.vllm import inventory_codec


def _release_range() -> tuple[Version, Version]:
    """(oldest, newest) release of the inventory data, read from its lines without decoding them: adding a
    release with `gen_vllm_inventory.py --add` moves the default `--to vllm==` with it."""
    with open(os.path.join(os.path.dirname(__file__), "inventory.jsonl"), encoding="utf-8") as fh:
        found = sorted(map(Version, inventory_codec.versions(fh.read())))
    return found[0], found[-1]


STACK = register(StackInfo("vllm", *_release_range()))
