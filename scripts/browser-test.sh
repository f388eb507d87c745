#!/usr/bin/env bash
# The daily report in a real browser (Debian's chromium, headless):
#   1. builds hosp-logs (or takes $HOSP_LOGS_BIN) and writes the report of fixtures/hostile/access.log, whose user agent
#      and URL carry "<script>…", "\x22><img onerror=…>" and "' onmouseover='…";
#   2. checks the page statically: no script, no event-handler attribute, no URL that would
#      load anything (only data: images and #anchors);
#   3. has chromium load it with every host name unresolvable and logging on, and dumps the
#      DOM: the hostile user agent must be text, never an element or attribute; no console
#      message, no network error, no CSP violation;
#   4. takes screenshots (laptop 1280×2000, phone 390×1600) and checks they are not blank.
# Installs chromium with apt-get when it is missing (CI runs as root). Artefacts stay in
# $BROWSER_TEST_OUT (default: a temporary folder, printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
    echo "browser-test: installing chromium (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
command -v python3 >/dev/null 2>&1 || {
    apt-get install -y -qq --no-install-recommends python3 >/dev/null
}

out="${BROWSER_TEST_OUT:-$(mktemp -d)}"
mkdir -p "$out"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

if [ -n "${HOSP_LOGS_BIN:-}" ]; then
    bin="$HOSP_LOGS_BIN"
else
    cargo build --locked --quiet
    bin="${CARGO_TARGET_DIR:-target}/debug/hosp-logs"
fi
"$bin" report -q --source fixtures/hostile/access.log --out "$out/report" >/dev/null
page="$(cd "$out/report" && pwd)/index.html"

chrome() {
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --disable-extensions \
        --disable-default-apps --hide-scrollbars --force-device-scale-factor=1 \
        --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$profile" \
        --run-all-compositor-stages-before-draw --virtual-time-budget=3000 "$@"
}

chrome --enable-logging=stderr --v=0 --dump-dom "file://$page" >"$out/dom.html" 2>"$out/chromium.log"
chrome --screenshot="$out/laptop.png" --window-size=1280,2000 "file://$page" 2>>"$out/chromium.log" >/dev/null
chrome --screenshot="$out/phone.png" --window-size=390,1600 "file://$page" 2>>"$out/chromium.log" >/dev/null

python3 - "$page" "$out/dom.html" "$out/chromium.log" "$out/laptop.png" "$out/phone.png" <<'PY'
import re, struct, sys, zlib
from html.parser import HTMLParser

page, dom, log, *shots = sys.argv[1:]
HOSTILE_UA = "\\x22><img src=x onerror=alert(1)><script>alert('ua')</script>' onmouseover='alert(2)"
HOSTILE_PATH = "<script>alert(3)</script>"
failures = []

class Walk(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)
    def handle_data(self, data):
        self.text.append(data)

def check(name, html):
    w = Walk()
    w.feed(html)
    if "script" in w.tags:
        failures.append(f"{name}: a <script> element")
    imgs = [v for t, k, v in w.attrs if t == "img" and k == "src"]
    if any(not v.startswith("data:image/png;base64,") for v in imgs):
        failures.append(f"{name}: an <img> that is not an inline chart")
    for tag, k, v in w.attrs:
        if k.startswith("on"):
            failures.append(f"{name}: event handler attribute {k} on <{tag}>")
        if k in ("src", "href", "action", "srcset", "poster", "data", "formaction") and not (
            v.startswith("data:image/png;base64,") or v.startswith("#")
        ):
            failures.append(f"{name}: {k}={v[:60]!r} on <{tag}> would load something")
    text = "".join(w.text)
    if HOSTILE_UA not in text:
        failures.append(f"{name}: the hostile user agent is not shown as text")
    if HOSTILE_PATH not in text:
        failures.append(f"{name}: the hostile endpoint is not shown as text")
    return len(imgs)

source = open(page, encoding="utf-8").read()
n_static = check("index.html", source)
# outside escaped log text there is no URL at all (only data: images and #anchors)
if re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", source, re.I):
    failures.append("index.html: an http(s) URL in an attribute")
if re.search(r"url\(\s*['\"]?(https?:)?//", source, re.I) or "@import" in source:
    failures.append("index.html: CSS loads something")

dom_html = open(dom, encoding="utf-8").read()
if len(dom_html) < 1000:
    failures.append(f"dump-dom: only {len(dom_html)} bytes")
n_dom = check("DOM", dom_html)
if n_dom != n_static or n_dom < 10:
    failures.append(f"DOM has {n_dom} charts, the page {n_static}")

log_text = open(log, encoding="utf-8", errors="replace").read()
for pat in (r"CONSOLE", r"net::ERR_", r"ERR_NAME_NOT_RESOLVED", r"Refused to", r"Uncaught",
            r"Content Security Policy"):
    for line in log_text.splitlines():
        if re.search(pat, line):
            failures.append(f"chromium log: {line.strip()[:200]}")

def png_pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), f"{path}: colour type {ctype}"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

for shot in shots:
    w, h, bpp, rows = png_pixels(shot)
    sample = b"".join(rows[::8])
    mean = sum(sample) / len(sample)
    var = sum((v - mean) ** 2 for v in sample[::7]) / len(sample[::7])
    distinct = len({sample[i:i + 3] for i in range(0, len(sample) - 3, bpp * 5)})
    print(f"browser-test: {shot}: {w}x{h}, variance {var:.0f}, {distinct} colours")
    if var < 200 or distinct < 50:
        failures.append(f"{shot}: looks blank (variance {var:.0f}, {distinct} colours)")

if failures:
    print("browser-test: FAILED", *failures, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"browser-test: ok: {n_dom} inline charts, hostile text stays text, no network, no console message")
PY
echo "browser-test: artefacts in $out"
