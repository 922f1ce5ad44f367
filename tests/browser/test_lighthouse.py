"""Lighthouse accessibility at its mobile defaults, in Debian's chromium (CHROME_PATH), on
the page types readers use most: every audit must pass (score 100)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from browser_support import CHROMIUM, HERE, PAGE_TYPES

pytestmark = pytest.mark.browser

LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
PAGES = ["home", "procedure", "level", "matrix", "explorer", "arrangements-section", "glossary"]


@pytest.fixture(scope="module")
def lighthouse(axe_source) -> str:  # axe_source runs `npm ci` when node_modules is missing
    if not LIGHTHOUSE.exists():
        pytest.fail(f"{LIGHTHOUSE} is missing — run `npm ci` in tests/browser", pytrace=False)
    return str(LIGHTHOUSE)


@pytest.mark.parametrize("kind", PAGES)
def test_lighthouse_accessibility_is_100(lighthouse, chromium_path, base_url, tmp_path, kind):
    out = tmp_path / "report.json"
    run = subprocess.run(
        [lighthouse, base_url + PAGE_TYPES[kind], "--only-categories=accessibility", "--quiet",
         "--output=json", f"--output-path={out}",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run "
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        env={**os.environ, "CHROME_PATH": str(CHROMIUM)}, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0 and out.exists(), run.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    failed = [f"{a['id']}: {report['audits'][a['id']]['title']} — "
              + "; ".join(str(i.get("node", {}).get("snippet", ""))[:120]
                          for i in (report["audits"][a["id"]].get("details") or {}).get("items", [])[:3])
              for a in report["categories"]["accessibility"]["auditRefs"]
              if report["audits"][a["id"]]["score"] is not None and report["audits"][a["id"]]["score"] < 1]
    score = report["categories"]["accessibility"]["score"]
    assert score == 1 and not failed, f"/{PAGE_TYPES[kind]}: {score * 100:.0f}\n" + "\n".join(failed)
