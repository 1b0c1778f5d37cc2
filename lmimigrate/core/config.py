"""`[tool.lmimigrate]` in pyproject.toml. The command line wins over the file."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

KNOWN_KEYS = {"from", "to", "select", "ignore", "exclude", "per-file-ignores", "max-file-size"}
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024


class ConfigError(ValueError):
    pass


@dataclass
class FileConfig:
    path: str | None = None
    from_: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE


def find_pyproject(start: str) -> str | None:
    d = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        candidate = os.path.join(d, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _strings(value, key: str, path: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{path}: [tool.lmimigrate] {key} must be a string or a list of strings")


def load(path: str | None, explicit: bool = False) -> FileConfig:
    if path is None:
        return FileConfig()
    import stat

    try:
        # O_NONBLOCK, then fstat: a FIFO or a device is refused, never read (a FIFO would block forever).
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"{path}: not a regular file")
        with os.fdopen(os.dup(fd), "rb") as fh:
            raw = fh.read()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)
    if not explicit and b"lmimigrate" not in raw:
        return FileConfig(path=path)  # another tool's pyproject.toml: not worth the TOML parser's start-up
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None
    table = data.get("tool", {}).get("lmimigrate")
    if table is None:
        if explicit and not path.endswith("pyproject.toml"):
            table = data  # a dedicated lmimigrate.toml may hold the keys at top level
        else:
            return FileConfig(path=path)
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown [tool.lmimigrate] key(s): {', '.join(sorted(unknown))}")
    cfg = FileConfig(path=path)
    cfg.from_ = _strings(table.get("from", []), "from", path)
    cfg.to = _strings(table.get("to", []), "to", path)
    cfg.select = _strings(table.get("select", []), "select", path)
    cfg.ignore = _strings(table.get("ignore", []), "ignore", path)
    cfg.exclude = _strings(table.get("exclude", []), "exclude", path)
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{path}: [tool.lmimigrate] per-file-ignores must be a table of glob = [codes]")
    cfg.per_file_ignores = {k: _strings(v, f"per-file-ignores.{k}", path) for k, v in pfi.items()}
    size = table.get("max-file-size", DEFAULT_MAX_FILE_SIZE)
    if not isinstance(size, int) or size <= 0:
        raise ConfigError(f"{path}: [tool.lmimigrate] max-file-size must be a positive integer (bytes)")
    cfg.max_file_size = size
    return cfg
