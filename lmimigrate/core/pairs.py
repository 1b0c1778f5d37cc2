"""The version pairs of a run: one per registered stack, from --from/--to and what was detected."""

from __future__ import annotations

from lmimigrate.core.pep440 import Version

from lmimigrate.core.detection import Detection
from lmimigrate.core.versions import VersionPair, stacks

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from lmimigrate.core.api import Options


def version_pairs(opts: Options, detected: dict[str, Detection]) -> dict[str, VersionPair]:
    """One pair per registered stack (opt-in stacks only when named or detected), plus the pairs a stack's
    pair implies for another (an LMI release bundles a vLLM release) unless that stack's target was given."""
    pairs: dict[str, VersionPair] = {}
    known = stacks()
    for name, info in known.items():
        if info.opt_in and name not in opts.to and name not in opts.from_ and name not in detected:
            continue
        to = opts.to.get(name, info.newest)
        frm: Version | None
        source: str | None
        if name in opts.from_:
            frm, source = opts.from_[name], "given"
        elif name in detected:
            frm, source = detected[name].version, f"{detected[name].path}:{detected[name].line}"
        else:
            frm, source = None, None
        if frm is not None and frm > to:
            raise TargetError(name, frm, to, source or "", name in opts.to)  # (a version comes with its source)
        pairs[name] = VersionPair(name, frm, to, source)
    for name, info in known.items():
        if info.implies is None or name not in opts.to or name not in pairs:
            continue
        for implied in info.implies(pairs[name], opts.from_):
            if implied.stack not in opts.to:
                pairs[implied.stack] = implied
    return pairs


class TargetError(ValueError):
    """A version in use (given or detected) newer than the target: there is nothing to migrate, and
    clamping it to the target would check the wrong crossing."""

    def __init__(self, stack: str, frm: Version, to: Version, source: str, to_given: bool):
        from lmimigrate.core.versions import display

        where = "given" if source == "given" else f"detected at {source}"
        target = f"--to {stack}=={to}" if to_given else f"the newest {stack} version lmimigrate knows ({to})"
        super().__init__(f"{display(stack, frm)} ({where}) is newer than {target}; nothing to migrate. "
                         f"Give a newer --to, or --from {stack}==VERSION if the detection is wrong")
