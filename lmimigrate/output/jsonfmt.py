from __future__ import annotations

import json

from lmimigrate.output import finding_dict


def render(findings) -> str:
    return json.dumps([finding_dict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
