"""Run the DfE's CIN census validation rules (the public csc-validator-be-cin package) over a
return and print what failed as JSON: {"rules": [{"rule", "severity", "message", "children"}],
"return_level": [{"rule", "severity", "message"}], "crashed": ["..."]}.

Runs in its own environment (.venv-cin, made by the Makefile: the package pins pandas < 2), so it
imports nothing of Continuum's. Usage: cin_validate.py FILE.xml YEAR (2026 for 2025 to 2026)."""

import contextlib
import importlib
import io
import json
import sys
import warnings
import xml.etree.ElementTree as ET


def main(path: str, year: int) -> dict:
    warnings.filterwarnings("ignore")
    from cin_validator import cin_validator

    registry = importlib.import_module(f"cin_validator.rules.cin{year - 1}_{year % 100:02d}").registry
    severity = {str(rule.code): rule.rule_type.name for rule in registry.values()}
    messages = {str(rule.code): rule.message for rule in registry.values()}
    # The file is a return Continuum wrote itself, not untrusted input.
    data = cin_validator.process_data(cin_validator.convert_data(ET.parse(path).getroot()))  # noqa: S314
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        validator = cin_validator.CinValidator(data, registry)
    rules: dict[str, set] = {}
    issues = validator.full_issue_df
    for code, child in zip(issues["rule_code"].astype(str), issues["child_id"].astype(str), strict=False):
        rules.setdefault(code, set()).add(child)
    return_level = sorted({str(code) for code in validator.multichild_issues.get("rule_code", [])})
    return {
        "rules": [
            {
                "rule": code,
                "severity": severity.get(code, "?"),
                "message": messages.get(code, ""),
                "children": sorted(kids),
            }
            for code, kids in sorted(rules.items())
        ],
        "return_level": [
            {"rule": code, "severity": severity.get(code, "?"), "message": messages.get(code, "")}
            for code in return_level
        ],
        # A rule that raised is treated by the package as passed: say so rather than hide it.
        "crashed": [line for line in printed.getvalue().splitlines() if line.startswith("Error with rule")],
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2])), indent=1))
