#!/usr/bin/env bash
# One entry point for people and CI:
#   bash scripts/dev.sh serve   set up (first time) and preview the site with live reload
#   bash scripts/dev.sh build   set up and build the public site into site/
#   bash scripts/dev.sh edit    set up and start the site with the web editor at http://127.0.0.1:8000/admin/
#                               (its local backend, decap-server, listens on 127.0.0.1 only)
#   bash scripts/dev.sh test    set up everything (Python packages, chromium, axe-core) and run every test
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"

setup_python() {
  if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV"
  fi
  local stamp="$VENV/.installed"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/constraints.txt -nt "$stamp" ]; then
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -c scripts/constraints.txt -e ".[test]"
    touch "$stamp"
  fi
  # Compile the project's own modules once (where PYTHONDONTWRITEBYTECODE is set, Python
  # would otherwise compile them at every run of a check); Python recompiles what changes.
  "$PY" -m compileall -q scripts/safeguarding_manual >/dev/null || true
}

setup_browser() {
  # Debian's chromium drives the browser tests; Playwright never downloads a browser.
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "note: /usr/bin/chromium is missing (run: sudo apt-get install chromium); browser tests will be skipped" >&2
    fi
  fi
  if command -v npm >/dev/null && [ -f tests/browser/package-lock.json ]; then
    (cd tests/browser && npm ci --silent --no-audit --no-fund)
  fi
}

setup_editor() {
  # The web editor (Decap CMS) and its local backend come from npm (scripts/editor/package-lock.json).
  if ! command -v npm >/dev/null; then
    echo "note: npm is missing (run: sudo apt-get install npm); the web editor at /admin/ will say it is not installed" >&2
    return 0
  fi
  local lock=scripts/editor/package-lock.json installed=scripts/editor/node_modules/.package-lock.json
  if [ ! -f "$installed" ] || [ "$lock" -nt "$installed" ]; then
    (cd scripts/editor && npm ci --silent --no-audit --no-fund)
  fi
}

edit() {
  # The site and the editor on this computer: changes are written straight into procedures/.
  local port="${MANUAL_EDITOR_PORT:-8081}"
  echo "Web editor: open http://127.0.0.1:8000/admin/ and choose Login (no account needed here)."
  echo "Changes are saved into the files in procedures/ — check them with git before sending them."
  (cd scripts/editor && PORT="$port" BIND_HOST=127.0.0.1 MODE=fs GIT_REPO_DIRECTORY="$PWD/../.." \
     LOG_LEVEL=warn exec node_modules/.bin/decap-server) &
  local proxy=$!
  trap 'kill "$proxy" 2>/dev/null' EXIT INT TERM
  MANUAL_EDITOR=local MANUAL_EDITOR_PORT="$port" "$VENV/bin/mkdocs" serve --dirty -a 127.0.0.1:8000
}

setup_pdf() {
  # WeasyPrint (the manual's PDFs, made by publish.py and tested) needs Debian's Pango and
  # HarfBuzz, and uses the system's DejaVu fonts: nothing is fetched from the internet.
  if [ ! -e /usr/lib/x86_64-linux-gnu/libpango-1.0.so.0 ] && [ ! -e /usr/lib/aarch64-linux-gnu/libpango-1.0.so.0 ] \
     || [ ! -d /usr/share/fonts/truetype/dejavu ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null
    else
      echo "note: Pango is missing (run: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core); PDF tests will fail" >&2
    fi
  fi
}

case "${1:-serve}" in
  # --dirty: after a save, only the pages that show the change are rebuilt (see preview.py)
  serve) setup_python; exec "$VENV/bin/mkdocs" serve --dirty ;;
  edit)  setup_python; setup_editor; edit ;;
  build) setup_python; setup_editor; exec "$VENV/bin/mkdocs" build --strict ;;
  test)  setup_python; setup_browser; setup_editor; setup_pdf; shift || true
         export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
         exec "$PY" -m pytest "$@" ;;
  *) echo "usage: bash scripts/dev.sh serve|edit|build|test" >&2; exit 2 ;;
esac
