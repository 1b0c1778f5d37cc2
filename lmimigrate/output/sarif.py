"""SARIF 2.1.0."""

from __future__ import annotations

import json

from lmimigrate import __version__
from lmimigrate.output import edit_positions

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _region(p: dict) -> dict:
    return {"startLine": p["line"], "startColumn": p["column"], "endLine": p["end_line"], "endColumn": p["end_column"]}


def render(findings, rules) -> str:
    rule_list = sorted({f.code for f in findings})
    by_code = {r.code: r for r in rules}
    driver_rules = []
    for code in rule_list:
        r = by_code.get(code)
        entry = {"id": code, "helpUri": next(f.url for f in findings if f.code == code)}
        if r is not None:
            entry["name"] = r.name
            entry["shortDescription"] = {"text": r.summary}
            entry["defaultConfiguration"] = {"level": _LEVEL[r.severity.value]}
        driver_rules.append(entry)
    results = []
    for f in findings:
        res = {
            "ruleId": f.code,
            "ruleIndex": rule_list.index(f.code),
            "level": _LEVEL[f.severity.value],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path.replace("\\", "/")},
                        "region": _region(
                            {"line": f.line, "column": f.column, "end_line": f.end_line, "end_column": f.end_column}
                        ),
                    }
                }
            ],
        }
        if f.cell is not None:
            res["properties"] = {"cell": f.cell}
        if f.fix is not None:
            res["fixes"] = [
                {
                    "description": {"text": f"{f.fix.message} ({f.fix.applicability.value})"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": f.path.replace("\\", "/")},
                            "replacements": [
                                {"deletedRegion": _region(edit_positions(f, e)), "insertedContent": {"text": e.content}}
                                for e in f.fix.edits
                            ],
                        }
                    ],
                }
            ]
        results.append(res)
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lmimigrate",
                        "version": __version__,
                        "informationUri": "https://github.com/lmimigrate/lmimigrate",
                        "rules": driver_rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
