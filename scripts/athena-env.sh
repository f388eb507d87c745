#!/usr/bin/env bash
# The Python environment of the Athena test harness (tests/athena/harness.py): creates .venv in
# the repository root if it is missing, installs tests/athena/requirements.txt into it unless
# every pinned requirement (and what it depends on) is already installed, and prints the venv's
# python on its last line. A second run is an offline no-op. Works from any directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
req="$root/tests/athena/requirements.txt"
py="$venv/bin/python"

if [ ! -x "$py" ]; then
    python3 -m venv "$venv" >&2
fi

# Exit 0 when every requirement of the file, with its extras and dependencies, is installed at
# a matching version (pip's vendored `packaging`, so no network and no extra package).
satisfied() {
    "$py" - "$req" <<'PY'
import sys
from importlib import metadata
from pip._vendor.packaging.requirements import Requirement

seen = set()

def ok(req, extras=()):
    if req.marker is not None and not any(
            req.marker.evaluate({"extra": e}) for e in (extras or ("",))):
        return True
    name = req.name.lower().replace("_", "-")
    key = (name, tuple(sorted(req.extras)))
    if key in seen:
        return True
    seen.add(key)
    try:
        dist = metadata.distribution(req.name)
    except metadata.PackageNotFoundError:
        return False
    if req.specifier and not req.specifier.contains(dist.version, prereleases=True):
        return False
    for dep in dist.requires or []:
        if not ok(Requirement(dep), tuple(req.extras)):
            return False
    return True

lines = [l.split("#", 1)[0].strip() for l in open(sys.argv[1], encoding="utf-8")]
sys.exit(0 if all(ok(Requirement(l)) for l in lines if l) else 1)
PY
}

if ! satisfied >/dev/null 2>&1; then
    "$py" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
    satisfied || { echo "athena-env: $req is still not satisfied after pip install" >&2; exit 1; }
fi

echo "$py"
