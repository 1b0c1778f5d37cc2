"""SARIF 2.1.0."""

from __future__ import annotations

import json
import os
from urllib.parse import quote

from lmimigrate import __version__
from lmimigrate.output import edit_positions

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _region(p: dict) -> dict:
    return {"startLine": p["line"], "startColumn": p["column"], "endLine": p["end_line"], "endColumn": p["end_column"]}


def artifact_uri(path: str) -> str:
    """A URI reference for a path: relative paths stay relative (to the checkout), absolute ones become
    file:// URIs; spaces, `%`, `#` and other reserved characters are percent-encoded (RFC 3986)."""
    norm = path.replace("\\", "/")
    if os.path.isabs(path) or norm.startswith("/"):
        return "file://" + quote(norm if norm.startswith("/") else "/" + norm, safe="/:")
    return quote(norm[2:] if norm.startswith("./") else norm, safe="/")


def rule_entry(code: str, rule, url: str) -> dict:
    """A reportingDescriptor: what GitHub code scanning shows in its rule help panel. `rule`: the rule
    class, or its index entry (the class is then imported: only the rules that have results)."""
    entry = {"id": code, "helpUri": url}
    if rule is None:
        return entry
    from lmimigrate.core.ruleindex import RuleEntry
    from lmimigrate.explain import markdown

    if isinstance(rule, RuleEntry):
        rule = rule.load()

    page = markdown(rule)
    entry.update(
        name=rule.name,
        shortDescription={"text": rule.summary},
        fullDescription={"text": (rule.what.strip() or rule.summary)},
        help={"text": page, "markdown": page},
        defaultConfiguration={"level": _LEVEL[rule.severity.value]},
        properties={"tags": [rule.stack]},
    )
    return entry


def render(findings, rules) -> str:
    rule_list = sorted({f.code for f in findings})
    index = {code: i for i, code in enumerate(rule_list)}
    by_code = {r.code: r for r in rules}
    urls = {f.code: f.url for f in reversed(findings)}
    driver_rules = [rule_entry(code, by_code.get(code), urls[code]) for code in rule_list]
    results = []
    for f in findings:
        res = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _LEVEL[f.severity.value],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(f.path)},
                        "region": _region(dict(zip(("line", "column", "end_line", "end_column"), f.file_location))),
                    }
                }
            ],
        }
        if f.cell is not None:
            res["properties"] = {"cell": f.cell, "cellLine": f.line, "cellColumn": f.column}
        # A fix is given as replacements of the file's text; a notebook cell's edits are in the cell's text
        # (the file holds it JSON-encoded), so they are left out there rather than given in the wrong place.
        if f.fix is not None and f.file_position is None:
            res["fixes"] = [
                {
                    "description": {"text": f"{f.fix.message} ({f.fix.applicability.value})"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": artifact_uri(f.path)},
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
