"""Reproducible, audited dependencies."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO

CONSTRAINTS = REPO / "scripts/constraints.txt"


def test_every_dependency_is_pinned_exactly_and_mkdocs_stays_below_2():
    lines = [ln for ln in CONSTRAINTS.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines and all(re.match(r"^[A-Za-z0-9_.\-\[\]]+==[\w.+!-]+$", ln) for ln in lines), lines
    pins = dict(ln.split("==") for ln in lines)
    assert pins["mkdocs"].startswith("1.6.")
    assert pins["mkdocs-material"].startswith("9.")
    import tomllib
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    declared = [re.match(r"[A-Za-z0-9_.\-]+", r).group(0) for r in requirements]
    norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731 (PEP 503 names)
    pinned = {norm(k) for k in pins}
    missing = [d for d in declared if norm(d) not in pinned]
    assert missing == [], f"declared in pyproject.toml but not pinned: {missing}"


def test_no_known_vulnerabilities_in_the_pinned_dependencies():
    pip_audit = Path(sys.executable).with_name("pip-audit")
    if not pip_audit.exists():
        pytest.skip("pip-audit is not installed")
    try:
        result = subprocess.run([str(pip_audit), "-r", str(CONSTRAINTS), "--no-deps", "--disable-pip",
                                 "--progress-spinner", "off", "--format", "json"],
                                capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        pytest.skip("pip-audit: the vulnerability service did not answer in time")
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.skip(f"pip-audit could not reach the vulnerability service: {result.stderr.strip()[-300:]}")
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    if not audited:
        pytest.skip("pip-audit: the vulnerability service is not reachable from this machine "
                    "(every dependency was skipped); run it where it is")
    vulnerable = {d["name"]: [v["id"] for v in d.get("vulns", [])] for d in audited if d.get("vulns")}
    assert vulnerable == {}
