"""The benchmark: synthetic manuals of N procedures, built with all of this project's
features and, alternately, as a plain Material for MkDocs site of the same Markdown files.
Machines are noisy, so the targets are ratios measured in one run (medians)."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parents[3]
SECTIONS = ["referrals", "assessment", "child-protection", "harm", "exploitation", "health",
            "education", "family", "vulnerable-groups", "partnership"]
WORDS = ("child family practitioner safeguarding concern agency referral assessment plan review "
         "meeting social care police health education school parent carer risk harm neglect "
         "support needs record information share consent decision manager supervisor timescale "
         "conference strategy enquiry outcome voice wishes feelings development wellbeing "
         "professional judgement evidence chronology visit home visit report service level "
         "threshold early help targeted specialist universal partnership learning review").split()
PLAIN_MKDOCS = """site_name: Plain Material benchmark
theme:
  name: material
plugins:
  - search
markdown_extensions:
  - tables
  - toc:
      permalink: true
"""


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 18))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, n: int = 5) -> str:
    return " ".join(_sentence(rng) for _ in range(n))


def procedure(i: int, n: int, rng: random.Random) -> tuple[str, str, str]:
    section = SECTIONS[i % len(SECTIONS)]
    pid = f"procedure-{i:04d}"
    others = [f"procedure-{j:04d}" for j in rng.sample(range(n), k=min(4, n)) if j != i][:3]
    related = [f"procedure-{(i + 1) % n:04d}", f"procedure-{(i - 1) % n:04d}"] if n > 2 else []
    month = 1 + i % 12
    body = [f"# Procedure {i}: {rng.choice(WORDS).capitalize()} and {rng.choice(WORDS)}", "",
            "## Scope", "", _paragraph(rng, 4), "", "## Who this applies to", "", _paragraph(rng, 3), "",
            "## What to do", ""]
    for step in range(1, 11):
        body += [f"{step}. {_sentence(rng)} {_sentence(rng)} See [[{rng.choice(others)}]].", ""]
    for h in range(4):
        body += [f"### Practice point {h + 1}", "", _paragraph(rng, 6), "", _paragraph(rng, 5), ""]
    body += ["## Timescales", "", "| Step | Who | Timescale |", "|---|---|---|"]
    body += [f"| {_sentence(rng)[:40]} | {rng.choice(['Police', 'Health', 'MACH', 'School'])} | "
             f"{rng.randint(1, 15)} working days |" for _ in range(6)]
    body += ["", "## Related procedures", ""] + [f"- [[{r}]]" for r in related]
    body += ["", "## Legislation and guidance", "", "- Children Act 1989", "- Working Together 2023", ""]
    front = "\n".join([
        "---", f"id: {pid}", f"title: \"Procedure {i}\"", f"summary: {_sentence(rng)}", "status: approved",
        'version: "1.0"', f"approved_on: 2025-{month:02d}-01", f"last_reviewed: 2025-{month:02d}-15",
        "applies_to: [All practitioners, Police, Health]", f"threshold_levels: [{1 + i % 4}]",
        f"related: [{', '.join(related)}]", f"keywords: [{rng.choice(WORDS)}, {rng.choice(WORDS)} {rng.choice(WORDS)}]",
        "legislation: [Children Act 1989]", "amendments:",
        f"  - date: 2025-{month:02d}-15", f"    summary: {_sentence(rng)}", "---", ""])
    return section, pid, front + "\n".join(body)


def generate(dest: Path, n: int, seed: int = 1) -> tuple[Path, Path]:
    """A full project (the real docs/, overrides/, mkdocs.yml and procedures, topped up with
    synthetic procedures to N) and a plain Material project of the same procedure files."""
    rng = random.Random(seed)
    full, plain = dest / "full", dest / "plain"
    shutil.copytree(REPO / "procedures", full / "procedures")
    shutil.copytree(REPO / "procedures", plain / "docs" / "real")
    real = len(list((REPO / "procedures").rglob("*.md")))
    shutil.copytree(REPO / "docs", full / "docs")
    shutil.copytree(REPO / "overrides", full / "overrides")
    shutil.copy(REPO / "mkdocs.yml", full / "mkdocs.yml")
    (plain / "mkdocs.yml").write_text(PLAIN_MKDOCS, encoding="utf-8")
    (plain / "docs/index.md").write_text("# Plain\n", encoding="utf-8")
    for k, section in enumerate(SECTIONS):
        folder = full / "procedures" / section
        folder.mkdir(parents=True)
        (folder / "_section.yml").write_text(
            f"title: {section.replace('-', ' ').capitalize()}\norder: {k}\ndefaults:\n"
            "  owner: Procedures Group\n  approved_by: Safeguarding Accountability Meeting\n"
            "  review_every: 24\n", encoding="utf-8")
        (plain / "docs" / section).mkdir()
    for i in range(max(0, n - real)):
        section, pid, text = procedure(i, n - real, rng)
        (full / "procedures" / section / f"{pid}.md").write_text(text, encoding="utf-8")
        (plain / "docs" / section / f"{pid}.md").write_text(text, encoding="utf-8")
    return full, plain


ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MANUAL_PREVIEW": ""}


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"benchmark command failed in {cwd}: {' '.join(cmd)}\n{result.stderr[-2000:]}")
    return elapsed


def pdf_costs(full: Path) -> dict[str, float]:
    """The PDFs publish.py makes (pdf.py) for a generated project: build it as publish does
    (MANUAL_PDF=1), then time the whole-manual and per-procedure PDFs and count their pages
    and bytes."""
    from ..website import pdf

    site = full / "site-pdf"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                            cwd=full, env={**ENV, "MANUAL_PDF": "1"}, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"PDF benchmark build failed in {full}:\n{result.stderr[-2000:]}")
    made = pdf.make_for_project(full, site)
    return {"seconds": round(made.seconds, 1), "files": len(made.files), "manual_pages": made.manual.pages,
            "manual_bytes": made.manual.bytes, "all_bytes": made.bytes,
            "manual_seconds": round(made.manual.seconds, 1),
            "procedure_seconds": round(sum(m.seconds for m in made.procedures), 1)}


def preview_time(full: Path, pid: str, section: str) -> float:
    """Seconds from saving one procedure to its page being rebuilt, as `mkdocs serve` does
    it (a dirty rebuild in a warm process), measured in a child process."""
    code = f"""
import time, pathlib, logging
logging.disable(logging.WARNING)
from mkdocs.config import load_config
from mkdocs.commands.build import build
cfg = lambda: load_config('mkdocs.yml', site_dir='site-preview')
cfg().plugins.on_startup(command='serve', dirty=True)  # as `mkdocs serve --dirty` does
build(cfg(), dirty=True)
page = pathlib.Path('procedures/{section}/{pid}.md')
out = pathlib.Path('site-preview/procedures/{section}/{pid}/index.html')
times = []
for k in range(3):
    text = page.read_text()
    page.write_text(text.replace('## Scope', '## Scope\\n\\nEdited paragraph %d.' % k, 1))
    start = time.perf_counter()
    build(cfg(), dirty=True)
    times.append(time.perf_counter() - start)
    assert ('Edited paragraph %d.' % k) in out.read_text(), 'preview did not show the change'
print(sorted(times)[1])
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=full, env=ENV, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"preview measurement failed:\n{result.stderr[-3000:]}")
    return float(result.stdout.strip().splitlines()[-1])


def history_cost(full: Path, versions_each: int = 3) -> dict[str, float]:
    """Earlier versions: make the synthetic project a git repository in which every procedure
    has `versions_each` versions (one commit per round), then time reading the history once
    (versions.read: one `git log`, one `git cat-file`) and count the pages and bytes it adds."""
    from ..website import versions

    env = {**ENV, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.org",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.org"}
    git = lambda *a: subprocess.run(["git", *a], cwd=full, env=env, capture_output=True, check=True)  # noqa: E731
    git("init", "-q", "-b", "main")
    files = sorted((full / "procedures").rglob("*.md"))
    current: dict[str, str] = {}
    for k in range(versions_each):
        for f in files:
            text = f.read_text(encoding="utf-8")
            if k:
                text = text.replace("## Scope\n", f"## Scope\n\nChanged in round {k}.\n", 1)
                text = re.sub(r'(?m)^version: .*$', f'version: "{k + 1}.0"', text, count=1)
                text = re.sub(r"(?m)^last_reviewed: \S+", f"last_reviewed: 202{3 + k}-01-15", text, count=1)
            f.write_text(text, encoding="utf-8")
            m = re.search(r"(?m)^id: (\S+)", text)
            v = re.search(r'(?m)^version: "?([^"\n]+)', text)
            if m and v:
                current[m.group(1)] = v.group(1)
        git("add", "-A")
        git("commit", "-q", "-m", f"round {k}")
    start = time.perf_counter()
    history = versions.read(full, "procedures", current)
    seconds = time.perf_counter() - start
    pages = sum(len(v) for v in history.versions.values())
    body_bytes = sum(len(v.body.encode()) for vs in history.versions.values() for v in vs)
    return {"history_read_s": seconds, "history_pages": pages, "history_body_bytes": body_bytes}


def sizes(full: Path, pid: str, section: str) -> dict[str, int]:
    page = (full / "site" / "procedures" / section / pid / "index.html").read_bytes()
    bundle = full / "site" / "pagefind"
    index = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file())  # already compressed
    return {"page_bytes": len(page), "search_index_bytes": index, "search_index_gzip_bytes": index,
            **transfer(full / "site", f"procedures/{section}/{pid}/", "neglect")}


def offline_cost(site: Path, procedures: str = "procedures", repeat: int = 3) -> dict[str, float]:
    """"Save for offline use" for a built site: bytes a reader's device keeps (offline.json's
    total), how many files, and the median seconds the build spends writing offline.json."""
    from ..website import offline
    own = offline.own_assets(REPO / "overrides")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        data = offline.write(site, procedures, own)
        times.append(time.perf_counter() - start)
    return {"offline_bytes": data["bytes"], "offline_files": len(data["files"]),
            "offline_json_bytes": (site / offline.MANIFEST).stat().st_size,
            "offline_write_s": statistics.median(times)}


TEXT_TYPES = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt")


def transfer(site: Path, path: str, query: str) -> dict[str, int]:
    """Bytes moved, as a web server that compresses text would send them, from opening a page
    in a cold browser (nothing cached) until it has settled, and then until the first result of
    one search is on screen. Measured in Debian's chromium; zeros if it is not installed."""
    import functools
    import http.server
    import socketserver
    import threading

    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"cold_page_bytes": 0, "search_bytes": 0}
    if not chromium.exists():
        return {"cold_page_bytes": 0, "search_bytes": 0}
    sent = [0]

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def send_head(self):
            local = Path(self.translate_path(self.path))
            if local.is_dir():
                local = local / "index.html"
            if local.suffix in TEXT_TYPES and local.is_file() and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(local.read_bytes(), 6)
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(str(local)))
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                sent[0] += len(body)
                import io
                return io.BytesIO(body)
            f = super().send_head()
            if f is not None and local.is_file():
                sent[0] += local.stat().st_size
            return f

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    server = Server(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
            page = browser.new_context().new_page()
            page.goto(base + path, wait_until="networkidle")
            cold = sent[0]
            box = page.get_by_role("searchbox", name="Search")
            box.fill(query)
            page.wait_for_selector(".wf-search__results > li a", timeout=30_000)
            page.wait_for_load_state("networkidle")
            searched = sent[0] - cold
            browser.close()
    finally:
        server.shutdown()
    return {"cold_page_bytes": cold, "search_bytes": searched}


def run(sizes_n: Sequence[int], repeat: int, out: Path | None, extras: bool = False) -> dict:
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]
    checks = [[sys.executable, str(REPO / "scripts/check_xrefs.py")],
              [sys.executable, str(REPO / "scripts/check_reviews.py"), "--fail-on", "never", "--format", "json"]]
    results = {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                           "cpus": os.cpu_count()}, "repeat": repeat, "sizes": []}
    for n in sizes_n:
        with tempfile.TemporaryDirectory(prefix=f"bench-{n}-") as tmp:
            full, plain = generate(Path(tmp), n)
            # caches of its own (treecache.py, cache.py): the first build of each size starts
            # with nothing kept, the later ones find what the first kept, as an editor's would
            ENV["XDG_CACHE_HOME"] = str(Path(tmp) / "user-cache")
            ours, theirs, check = [], [], []
            for _ in range(repeat):  # alternate, so drift on a noisy machine hits both alike
                ours.append(timed(mkdocs, full))
                theirs.append(timed([sys.executable, "-m", "mkdocs", "build", "--quiet"], plain))
                start = time.perf_counter()
                for cmd in checks:
                    subprocess.run(cmd, cwd=full, env=ENV, capture_output=True)
                check.append(time.perf_counter() - start)
            section, pid = SECTIONS[1 % len(SECTIONS)], "procedure-0001"
            row = {"n": n, "build_s": statistics.median(ours), "plain_material_s": statistics.median(theirs),
                   # the first build of a new project has no parsed pages kept (treecache.py)
                   "cold_build_s": ours[0], "builds_s": [round(t, 2) for t in ours],
                   "plain_builds_s": [round(t, 2) for t in theirs],
                   "checks_s": statistics.median(check), "preview_s": preview_time(full, pid, section),
                   **sizes(full, pid, section)}
            row["build_ratio"] = row["build_s"] / row["plain_material_s"]
            row["cold_ratio"] = row["cold_build_s"] / row["plain_material_s"]
            row["checks_ratio"] = row["checks_s"] / row["build_s"]
            if extras:  # what publishing adds, kept out of `mkdocs serve` and plain builds
                row.update({f"offline_{k.removeprefix('offline_')}": v for k, v in offline_cost(full / "site").items()})
                row.update({f"pdf_{k}": v for k, v in pdf_costs(full).items()})
                row.update(history_cost(full))  # last: it turns the project into a git repository
            results["sizes"].append(row)
            print(_row(row), flush=True)
    first, last = results["sizes"][0], results["sizes"][-1]
    if last["n"] > first["n"]:
        results["growth"] = {"n_ratio": last["n"] / first["n"],
                             "build_time_ratio": last["build_s"] / first["build_s"]}
    if out:
        out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


HEADER = (f"{'N':>5} {'build s':>8} {'plain s':>8} {'ratio':>6} {'cold s':>7} {'cold r':>6} {'checks s':>9} {'chk/bld':>8} "
          f"{'preview s':>10} {'page KB':>8} {'index KB':>9} {'cold KB':>8} {'+search':>8}")


def _row(r: dict) -> str:
    return (f"{r['n']:>5} {r['build_s']:>8.2f} {r['plain_material_s']:>8.2f} {r['build_ratio']:>6.2f} "
            f"{r['cold_build_s']:>7.2f} {r['cold_ratio']:>6.2f} {r['checks_s']:>9.2f} {r['checks_ratio']:>8.3f} {r['preview_s']:>10.2f} "
            f"{r['page_bytes'] / 1024:>8.1f} {r['search_index_bytes'] / 1024:>9.1f} "
            f"{r['cold_page_bytes'] / 1024:>8.1f} {r['search_bytes'] / 1024:>8.1f}")


TARGETS = """
| Target | Figure at N = 500 | Met |
|---|---|---|
| Full strict build ≤ 0.5 × plain Material | {build_ratio:.2f} × ({build_s:.1f} s against {plain_material_s:.1f} s) | {m1} |
| The first build, nothing cached (new content, or a cleared cache) | {cold_ratio:.2f} × ({cold_build_s:.1f} s) | — |
| Both checks ≤ 1 s and ≤ 0.1 × the build | {checks_s:.2f} s, {checks_ratio:.3f} × | {m2} |
| Preview after saving one procedure ≤ 1 s | {preview_s:.2f} s | {m3} |
| Procedure page ≤ 50 KB, not growing with N | {page_kb:.1f} KB (at every N: {pages}) | {m4} |
| Search index (Pagefind, all files) | {search_index_gzip_kb:.0f} KB on the server, fetched in pieces | — |
| Cold procedure page, nothing of search fetched | {cold_kb:.0f} KB moved (gzip) | — |
| Cold procedure page + one search ≤ 250 KB | {cold_kb:.0f} + {search_kb:.0f} = {both_kb:.0f} KB | {m5} |
"""


def markdown_report(results: dict) -> str:
    """The editors' benchmarks page, written from one run's figures."""
    rows = results["sizes"]
    lines = ["---", "title: Benchmarks", "---", "# Benchmarks", "",
             "How fast the manual builds, previews and loads as it grows, measured by",
             "`python scripts/benchmark.py`, which builds synthetic manuals of N procedures "
             "(about 1,500 words each, in 10 sections, with references, tables and amendments) "
             "and, in the same run, a plain Material for MkDocs site of the same files.",
             "Times are medians of alternating runs; ratios matter more than seconds, because "
             "machines differ. Each size starts with empty caches: the first build parses every "
             "page, the later ones reuse the parsed pages the first kept (README, Caches), as "
             "an editor's builds do after the first.", "",
             f"Machine: {results['machine']['platform']}, {results['machine']['cpus']} CPUs, "
             f"Python {results['machine']['python']}; {results['repeat']} runs of each build per size.", "",
             "| N | Build (s) | Plain Material (s) | Ratio | Checks (s) | Checks ÷ build | "
             "Preview (s) | Page (KB) | Search index (KB) | Cold page moved (KB) | One search moved (KB) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['n']} | {r['build_s']:.2f} | {r['plain_material_s']:.2f} | {r['build_ratio']:.2f} | "
                     f"{r['checks_s']:.2f} | {r['checks_ratio']:.3f} | {r['preview_s']:.2f} | "
                     f"{r['page_bytes'] / 1024:.1f} | {r['search_index_bytes'] / 1024:.0f} | "
                     f"{r['cold_page_bytes'] / 1024:.0f} | {r['search_bytes'] / 1024:.0f} |")
    at = next((r for r in rows if r["n"] == 500), None)
    if at:
        ok = lambda cond: "yes" if cond else "**no**"  # noqa: E731
        pages = ", ".join(f"{r['page_bytes'] / 1024:.1f}" for r in rows)
        lines += ["", "## Targets", "", TARGETS.format(
            **at, page_kb=at["page_bytes"] / 1024, search_index_gzip_kb=at["search_index_gzip_bytes"] / 1024,
            cold_kb=at["cold_page_bytes"] / 1024, search_kb=at["search_bytes"] / 1024,
            both_kb=(at["cold_page_bytes"] + at["search_bytes"]) / 1024, pages=pages, m1=ok(at["build_ratio"] <= 0.5),
            m2=ok(at["checks_s"] <= 1 and at["checks_ratio"] <= 0.1), m3=ok(at["preview_s"] <= 1),
            m4=ok(max(r["page_bytes"] for r in rows) <= 50 * 1024),
            m5=ok(0 < at["cold_page_bytes"] + at["search_bytes"] <= 250 * 1024)).strip()]
    extra = [r for r in rows if "pdf_seconds" in r]
    if extra:
        lines += ["", "## What publishing adds", "",
                  "Measured with `--extras` (not part of a plain build or the preview).", "",
                  "| N | History read (s) | Earlier versions | Their text (KB) | PDFs (s) | Whole-manual PDF "
                  "(pages, KB) | All PDFs (KB) | Offline copy (KB, files) | Writing offline.json (s) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in extra:
            lines.append(f"| {r['n']} | {r['history_read_s']:.2f} | {r['history_pages']} | "
                         f"{r['history_body_bytes'] / 1024:.0f} | {r['pdf_seconds']:.1f} | "
                         f"{r['pdf_manual_pages']}, {r['pdf_manual_bytes'] / 1024:.0f} | {r['pdf_all_bytes'] / 1024:.0f} | "
                         f"{r['offline_bytes'] / 1024:.0f}, {r['offline_files']} | {r['offline_write_s']:.2f} |")
    if "growth" in results:
        g = results["growth"]
        lines += ["", f"From N = {rows[0]['n']} to N = {rows[-1]['n']} ({g['n_ratio']:.0f} × the procedures) "
                  f"the build took {g['build_time_ratio']:.1f} × as long: no worse than linear."
                  if g["build_time_ratio"] <= g["n_ratio"] else
                  f"From N = {rows[0]['n']} to N = {rows[-1]['n']} the build took {g['build_time_ratio']:.1f} × "
                  f"as long for {g['n_ratio']:.0f} × the procedures: **worse than linear**."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.py", description=__doc__)
    parser.add_argument("--sizes", default="100,500,1000", help="comma-separated procedure counts")
    parser.add_argument("--repeat", type=int, default=3, help="builds of each kind per size")
    parser.add_argument("--extras", action="store_true", help="also measure what publishing adds: "
                        "earlier versions from history, the PDFs and the offline copy")
    parser.add_argument("--json", default="benchmark-results.json", help="where to write the figures")
    parser.add_argument("--markdown", default="", help="also write the figures as a Markdown page "
                        "(docs/editors/benchmarks.md records the latest run)")
    args = parser.parse_args(argv)
    try:
        sizes_n = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes whole numbers separated by commas, e.g. 100,500")
    print(HEADER)
    results = run(sizes_n, max(1, args.repeat), Path(args.json) if args.json else None, args.extras)
    if args.markdown:
        Path(args.markdown).write_text(markdown_report(results), encoding="utf-8")
    return 0
