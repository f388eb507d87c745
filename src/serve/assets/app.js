// The control panel: polls /api/panel and places its strings as text (textContent only:
// log-derived text never becomes markup). No inline script, no external asset.
"use strict";
(function () {
  var POLL_MS = 1000;
  var SVG = "http://www.w3.org/2000/svg";

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  // each cell: [text, class, label]; the label heads the cell on a phone (CSS attr())
  function row(cells) {
    var tr = el("tr");
    cells.forEach(function (c) {
      var td = el("td", c[0], c[1]);
      if (c[2]) td.setAttribute("data-label", c[2]);
      tr.appendChild(td);
    });
    return tr;
  }
  function fact(dl, name, value, id) {
    dl.appendChild(el("dt", name));
    var dd = el("dd", value);
    if (id) dd.id = id;
    dl.appendChild(dd);
  }

  function slos(list) {
    var box = document.getElementById("slos");
    clear(box);
    list.forEach(function (s, i) {
      var card = el("article", null, "slo" + (s.budget_note ? " spent" : ""));
      card.appendChild(el("h3", s.name + " · objective " + s.objective + " over " + s.window));
      var dl = el("dl", null, "facts");
      fact(dl, "Success over " + s.window, s.success, i === 0 ? "success" : null);
      fact(dl, "Success today", s.success_today, i === 0 ? "success-today" : null);
      fact(dl, "Valid / bad requests", s.valid + " / " + s.bad, i === 0 ? "valid-bad" : null);
      fact(dl, "Budget left", s.budget_left, i === 0 ? "budget" : null);
      if (s.budget_note) fact(dl, "Budget spent", s.budget_note);
      fact(dl, "Time to exhaustion", s.exhaustion);
      card.appendChild(dl);
      var ul = el("ul", null, "burn");
      s.burn.forEach(function (b) {
        var li = el("li", null, b.firing ? "firing" : "quiet");
        li.appendChild(el("strong", b.tier));
        li.appendChild(document.createTextNode(" " + b.state));
        ul.appendChild(li);
      });
      card.appendChild(ul);
      box.appendChild(card);
    });
  }

  function series(points) {
    var box = document.getElementById("series");
    clear(box);
    var w = 288, h = 60;
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("role", "img");
    var rated = points.filter(function (p) { return p.ratio !== null; });
    var low = 1;
    rated.forEach(function (p) { if (p.ratio < low) low = p.ratio; });
    // the axis starts a tenth below the lowest bucket, so the lowest bar still shows
    low = Math.max(0, Math.min(0.9, Math.floor(low * 10) / 10 - 0.1));
    var bw = w / Math.max(points.length, 1);
    points.forEach(function (p, i) {
      if (p.ratio === null) return;
      var frac = (p.ratio - low) / (1 - low);
      var bh = Math.max(1, frac * h);
      var r = document.createElementNS(SVG, "rect");
      r.setAttribute("x", (i * bw).toFixed(2));
      r.setAttribute("y", (h - bh).toFixed(2));
      r.setAttribute("width", Math.max(bw - 0.3, 0.3).toFixed(2));
      r.setAttribute("height", bh.toFixed(2));
      r.setAttribute("class", p.ratio < 0.99 ? "bad" : "good");
      var t = document.createElementNS(SVG, "title");
      t.textContent = p.at + " " + p.text;
      r.appendChild(t);
      svg.appendChild(r);
    });
    svg.setAttribute("aria-label", "success rate per 10 minutes, axis from " +
      (low * 100).toFixed(0) + "% to 100%");
    box.appendChild(svg);
    var range = document.getElementById("series-range");
    range.textContent = points.length
      ? points[0].at + " – " + points[points.length - 1].at + " UTC, scale " +
        (low * 100).toFixed(0) + "%–100%"
      : "no traffic yet";
  }

  function render(p) {
    slos(p.slos);
    series(p.series);
    var where = document.getElementById("where");
    clear(where);
    var wf = p.where_failed;
    fact(where, "5XX / requests", wf.errors_hour + " / " + wf.requests_hour, "errors-hour");
    fact(where, "Answered by " + wf.hop + " itself", wf.at_hop);
    fact(where, "Answered by its backends", wf.behind);
    var failing = document.getElementById("failing");
    clear(failing);
    if (!p.top_failing.length) failing.appendChild(row([["no 5XX in the past hour", "none"]]));
    p.top_failing.forEach(function (f) {
      failing.appendChild(row([[f.endpoint, "ep", "Endpoint"], [f.requests, "n", "Requests"],
        [f.errors, "n", "5XX"], [f.error_rate, "n", "Error rate"]]));
    });
    var findings = document.getElementById("findings");
    clear(findings);
    if (!p.findings.length) findings.appendChild(row([["no finding in the past hour", "none"]]));
    p.findings.forEach(function (f) {
      findings.appendChild(row([[f.severity, "sev " + f.severity, "Severity"], [f.rule, "", "Rule"],
        [f.requests, "n", "Requests"], [f.last_seen, "", "Last seen"], [f.endpoint, "ep", "Endpoint"],
        [f.user_agent, "ua", "User agent"]]));
    });
    var fresh = document.getElementById("fresh");
    clear(fresh);
    fact(fresh, "Polled at", p.freshness.at, "polled-at");
    fact(fresh, "Last line seen", p.freshness.last_line || "none yet", "last-line");
    fact(fresh, "Complete through (store)", p.freshness.complete_through || "no store");
    fact(fresh, "Lines read / malformed", p.freshness.lines + " / " + p.freshness.malformed, "lines");
    var status = document.getElementById("status");
    status.textContent = p.alerts_firing.length
      ? "Alerts firing: " + p.alerts_firing.join(", ")
      : "No burn-rate alert firing";
    status.className = "status " + (p.alerts_firing.length ? "firing" : "quiet");
  }

  var busy = false;
  function poll() {
    if (busy) return;
    busy = true;
    fetch("/api/panel", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) throw new Error("the token is missing: open the link serve printed");
        if (!r.ok) throw new Error("waiting for the first poll (" + r.status + ")");
        return r.json();
      })
      .then(render)
      .catch(function (e) {
        var s = document.getElementById("status");
        s.textContent = String(e.message || e);
        s.className = "status stale";
      })
      .then(function () { busy = false; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    poll();
    setInterval(poll, POLL_MS);
  });
})();
