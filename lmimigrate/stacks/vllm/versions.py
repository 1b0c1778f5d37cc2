"""vLLM versions: plain release numbers (0.5.5 to the newest release in the inventory)."""

from __future__ import annotations

from packaging.version import Version

from lmimigrate.core.versions import StackInfo, register

STACK = register(StackInfo("vllm", Version("0.5.5"), Version("0.33.0")))
