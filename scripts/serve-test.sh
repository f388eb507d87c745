#!/usr/bin/env bash
# `hosp-logs serve` against a real Prometheus and a real browser:
#   1. starts serve (--listen 127.0.0.1:0, --token-file) on a log written with the clock's time;
#   2. /metrics (Authorization: Bearer) passes `promtool check metrics` with nothing reported;
#   3. Debian's Prometheus scrapes it each second with the token, and the PromQL query
#      hosp_slo_success_ratio{slo="availability",window="1h"} returns `slo`'s success rate;
#   4. headless chromium opens the printed link (?token= → cookie): the page shows `slo`'s
#      success rate; lines are appended (failures with hostile user agents and URLs) and the
#      page's numbers change to the new `slo` figures; the hostile text stays text; no console
#      message, no CSP violation;
#   5. `export --to openmetrics` of the fixture day goes through
#      `promtool tsdb create-blocks-from openmetrics`.
# Installs prometheus (with promtool) and chromium with apt-get when missing (CI runs as
# root). HOSP_LOGS_BIN names a built binary (default: cargo build). Artefacts stay in
# $SERVE_TEST_OUT (default: a temporary folder, printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

install() {
    echo "serve-test: installing $* (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
    install prometheus
fi
command -v chromium >/dev/null 2>&1 || install chromium
command -v python3 >/dev/null 2>&1 || install python3

out="${SERVE_TEST_OUT:-$(mktemp -d)}"
mkdir -p "$out"
if [ -n "${HOSP_LOGS_BIN:-}" ]; then
    bin="$HOSP_LOGS_BIN"
else
    cargo build --locked --quiet
    bin="${CARGO_TARGET_DIR:-target}/debug/hosp-logs"
fi

python3 - "$bin" "$out" <<'PY'
import datetime, json, os, re, secrets, signal, socket, subprocess, sys, time
import urllib.parse, urllib.request
from html.parser import HTMLParser

bin, out = sys.argv[1:]
failures = []
procs = []

def fail(msg):
    failures.append(msg)
    print("serve-test: FAIL:", msg, file=sys.stderr)

def env():
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("HOSP_LOGS_", "XDG_")) and k not in ("NO_COLOR", "AWS_PROFILE")}
    e["HOSP_LOGS_STATE"] = "off"
    return e

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

TEMPLATE = open("tests/data/one-line.log").read().strip()
HOSTILE_UA = "\\x22><img src=x onerror=alert(1)><script>alert('ua')</script>' onmouseover='alert(2)\u202egnp.exe"
HOSTILE_URL = "http://hosp.example.com:80/patients/<img src=x onerror=alert(3)>?patient=0012345&q=1' OR 1=1--"

def lines(n, status, url=None, ua=None):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)
    line = TEMPLATE
    if url:
        line = line.replace("http://hosp.example.com:80/staffs/239", url)
    if ua:
        line = line.replace("Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0", ua)
    f = line.split(" ")
    f[1] = t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    f[8] = f[9] = str(status)
    return (" ".join(f) + "\n") * n

log = os.path.join(out, "access.log")
with open(log, "w") as fh:
    fh.write(lines(40, 200))
    fh.write(lines(2, 503))
token = secrets.token_hex(16)
token_file = os.path.join(out, "token")
with open(token_file, "w") as fh:
    fh.write(token + "\n")

def slo_rate():
    r = subprocess.run([bin, "slo", "-q", "--source", log, "--format", "json"],
                       capture_output=True, text=True, env=env(), check=True)
    return json.loads(r.stdout)["success_rate"]

def pct(rate):
    return f"{rate * 100:.3f}%"

serve = subprocess.Popen([bin, "serve", "--source", log, "--since", "1h", "--listen",
                          "127.0.0.1:0", "--token-file", token_file],
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env())
procs.append(serve)
addr = None
for line in serve.stderr:
    m = re.search(r"serving http://([^/]+)/", line)
    if m:
        addr = m.group(1)
        break
if not addr:
    print("serve-test: serve did not start", file=sys.stderr)
    sys.exit(1)

def get(path, headers=None):
    req = urllib.request.Request(f"http://{addr}{path}", headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read().decode()

auth = {"Authorization": f"Bearer {token}"}
def snapshot():
    for _ in range(300):
        try:
            return json.loads(get("/api/snapshot", auth)[1])
        except urllib.error.HTTPError as e:
            if e.code != 503:
                raise
            time.sleep(0.1)
    raise SystemExit("serve-test: no first poll")

try:
    snap = snapshot()
    rate = slo_rate()
    if snap["success_rate"] != rate:
        fail(f"/api/snapshot success_rate {snap['success_rate']} != slo {rate}")

    # 2. promtool check metrics: nothing to report
    metrics = get("/metrics", auth)[1]
    open(os.path.join(out, "metrics.txt"), "w").write(metrics)
    chk = subprocess.run(["promtool", "check", "metrics"], input=metrics, capture_output=True, text=True)
    if chk.returncode != 0 or chk.stdout.strip() or chk.stderr.strip():
        fail(f"promtool check metrics (exit {chk.returncode}): {chk.stdout}{chk.stderr}")
    else:
        print(f"serve-test: promtool check metrics: clean ({len(metrics.splitlines())} lines)")

    # 3. a real Prometheus scrapes it with the token
    prom_port = free_port()
    cfg = os.path.join(out, "prometheus.yml")
    open(cfg, "w").write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: hosp
    authorization:
      credentials_file: {token_file}
    static_configs:
      - targets: ['{addr}']
""")
    prom = subprocess.Popen(["prometheus", f"--config.file={cfg}",
                             f"--storage.tsdb.path={os.path.join(out, 'tsdb')}",
                             f"--web.listen-address=127.0.0.1:{prom_port}"],
                            stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(out, "prometheus.log"), "w"))
    procs.append(prom)
    query = 'hosp_slo_success_ratio{slo="availability",window="1h"}'
    got = None
    for _ in range(120):
        time.sleep(0.5)
        try:
            url = f"http://127.0.0.1:{prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": query})
            with urllib.request.urlopen(url, timeout=5) as r:
                res = json.load(r)["data"]["result"]
            if res:
                got = float(res[0]["value"][1])
                break
        except Exception:
            pass
    if got is None:
        fail(f"Prometheus never answered {query} (see prometheus.log)")
    elif abs(got - rate) > 1e-12:
        fail(f"PromQL {query} = {got}, slo says {rate}")
    else:
        print(f"serve-test: PromQL {query} = {got} = slo's success_rate ({pct(rate)})")

    # 4. the page in headless chromium
    profile = os.path.join(out, "chromium-profile")
    def dump(name):
        r = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--no-first-run", "--disable-extensions",
                            "--disable-default-apps", "--enable-logging=stderr", "--v=0",
                            f"--user-data-dir={profile}", "--virtual-time-budget=4000",
                            "--dump-dom", f"http://{addr}/?token={token}"],
                           capture_output=True, text=True, timeout=120)
        open(os.path.join(out, name + ".html"), "w").write(r.stdout)
        open(os.path.join(out, name + ".log"), "w").write(r.stderr)
        return r.stdout, r.stderr

    class Walk(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.tags, self.attrs, self.text, self.ids, self._id = [], [], [], {}, None
        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.attrs.extend((tag, k, v or "") for k, v in attrs)
            self._id = dict(attrs).get("id")
        def handle_data(self, data):
            self.text.append(data)
            if self._id:
                self.ids[self._id] = self.ids.get(self._id, "") + data
        def handle_endtag(self, tag):
            self._id = None

    def page(name):
        html, logtext = dump(name)
        w = Walk()
        w.feed(html)
        for pat in ("Refused to", "Content Security Policy", "Uncaught", "CONSOLE", "net::ERR_"):
            for l in logtext.splitlines():
                if pat in l:
                    fail(f"{name}: chromium log: {l.strip()[:200]}")
        if "img" in w.tags:
            fail(f"{name}: an <img> element in the DOM")
        for tag, k, v in w.attrs:
            if k.startswith("on"):
                fail(f"{name}: event handler {k} on <{tag}>")
        if token in html:
            fail(f"{name}: the token is in the page")
        return w

    w = page("page-before")
    shown = w.ids.get("success", "").strip()
    if shown != pct(rate):
        fail(f"the page shows {shown!r}, slo says {pct(rate)}")
    else:
        print(f"serve-test: the page shows {shown}, as slo does")

    # lines appended: 8 failures with hostile user agents and URLs
    with open(log, "a") as fh:
        fh.write(lines(8, 502, HOSTILE_URL, HOSTILE_UA))
    appended = time.time()
    while snapshot()["requests"]["total"] != 50:
        if time.time() - appended > 2:
            fail("the appended lines are not in /api/snapshot after 2 s")
            break
        time.sleep(0.05)
    print(f"serve-test: appended lines in /api/snapshot after {time.time() - appended:.2f}s")
    new_rate = slo_rate()
    w = page("page-after")
    shown = w.ids.get("success", "").strip()
    if shown != pct(new_rate) or new_rate == rate:
        fail(f"after the append the page shows {shown!r}, slo says {pct(new_rate)}")
    else:
        print(f"serve-test: after the append the page shows {shown}, as slo does")
    text = "".join(w.text)
    if "onerror=alert(3)" not in text:
        fail("the hostile endpoint is not on the page as text")
    for absent in ("0012345", "192.0.2.39", "\u202e"):
        if absent in text:
            fail(f"{absent!r} is on the page (a raw URL, a client address or a bidi override)")
    for name, size in (("laptop", "1280,1800"), ("phone", "390,1600")):
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={profile}", "--virtual-time-budget=4000",
                        f"--screenshot={os.path.join(out, name + '.png')}", f"--window-size={size}",
                        f"http://{addr}/?token={token}"], capture_output=True, timeout=120)

    # 5. history for promtool
    om = os.path.join(out, "day.om")
    subprocess.run([bin, "export", "-q", "--source", "fixtures/day/AWSLogs", "--to", "openmetrics",
                    "--out", om], check=True, env=env())
    blocks = os.path.join(out, "blocks")
    r = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, blocks],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"promtool tsdb create-blocks-from openmetrics: {r.stdout}{r.stderr}")
    else:
        listed = subprocess.run(["promtool", "tsdb", "list", blocks], capture_output=True, text=True).stdout
        samples = sum(int(l.split()[4]) for l in listed.splitlines()[1:] if len(l.split()) > 5)
        print(f"serve-test: promtool made blocks of the fixture day's history ({samples} samples)")
        if samples == 0:
            fail("the blocks hold no sample")
finally:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    if serve.returncode not in (130, None):
        fail(f"serve ended with {serve.returncode} on SIGTERM, not 130")

if failures:
    print("serve-test: FAILED", *failures, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print("serve-test: ok")
PY
echo "serve-test: artefacts in $out"
