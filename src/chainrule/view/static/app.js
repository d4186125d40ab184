// chainrule view: the page. Reads the run list and runs as JSON, follows running runs over one server-sent event
// stream, draws every chart as SVG (each downloadable). No libraries, no network beyond 127.0.0.1.
"use strict";
(function () {
  const TOKEN = document.querySelector('meta[name="chainrule-token"]').content;
  const COLORS = ["#0877bd", "#f59322", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                  "#bcbd22", "#17becf"];
  const SVGNS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const runs = {};           // id -> the run as /api/run sent it, records growing while it is followed
  let list = [];             // the run list's rows
  let selected = [];         // ids overlaid, in the order they were picked
  let stream = null;         // the EventSource following the selected running runs
  const progress = {};       // id -> the latest progress.json of a running run

  async function api(path) {
    const r = await fetch(path, {headers: {"X-Chainrule-Token": TOKEN}});
    const data = await r.json();
    if (!r.ok) throw new Error(data.error || r.statusText);
    return data;
  }
  function message(text) {
    const m = $("message");
    m.hidden = !text;
    m.textContent = text || "";
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function sv(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const pct = (x) => (x === null || x === undefined ? "" : (100 * x).toFixed(2) + "%");
  function duration(s) {
    if (s === null || s === undefined) return "";
    if (s < 60) return s.toFixed(1) + " s";
    if (s < 3600) return (s / 60).toFixed(1) + " min";
    return (s / 3600).toFixed(1) + " h";
  }
  const color = (id) => COLORS[Math.max(0, list.findIndex((r) => r.id === id)) % COLORS.length];

  // -- the run list -------------------------------------------------------------------------------------------
  async function loadList() {
    let data;
    try {
      data = await api("/api/runs");
    } catch (e) {
      return message(e.message);
    }
    list = data.runs;
    $("roots").textContent = "folders: " + data.roots.join(", ") + (data.truncated ? " (list cut short)" : "");
    const body = $("runs").querySelector("tbody");
    body.textContent = "";
    for (const r of list) {
      const tr = el("tr", {"data-id": r.id});
      if (r.broken) tr.classList.add("broken");
      if (selected.includes(r.id)) tr.classList.add("shown");
      const box = el("input", {type: "checkbox", class: "pick"});
      box.checked = selected.includes(r.id);
      box.addEventListener("change", () => pick(r.id, box.checked));
      const td0 = el("td");
      td0.append(box);
      const name = el("a", {class: "run", title: r.path}, r.id.split(":").slice(1).join(":"));
      name.addEventListener("click", () => showOnly(r.id));
      const tdName = el("td");
      tdName.append(name);
      const status = el("span", {class: "status " + (r.broken ? "broken" : r.status)},
                        r.broken ? r.status + ", broken" : r.status);
      if (r.problems.length) status.title = r.problems.join("\n");
      const tdStatus = el("td");
      tdStatus.append(status);
      if (r.status === "running") tdStatus.append(el("span", {class: "epoch"}, " " + (r.epoch || 0) + "/" + (r.epochs || "?")));
      tr.append(td0, tdName, el("td", {}, r.dataset || ""), el("td", {}, r.model || ""), tdStatus,
                el("td", {class: "num"}, pct(r.best_val_acc)), el("td", {class: "num"}, pct(r.test_acc)),
                el("td", {class: "num"}, duration(r.duration_s)), el("td", {}, r.version || ""));
      body.append(tr);
    }
    const sw = $("sweeps");
    sw.textContent = "";
    if (data.sweeps.length) {
      sw.append(el("h3", {}, "Sweeps"));
      for (const s of data.sweeps) {
        const a = el("a", {class: "run sweep", "data-id": s.id, title: s.path}, s.path);
        a.addEventListener("click", () => showSweep(s.id));
        sw.append(a);
      }
    }
    selected = selected.filter((id) => list.some((r) => r.id === id));
  }

  async function pick(id, on) {
    selected = selected.filter((x) => x !== id);
    if (on) selected.push(id);
    await showSelected();
  }
  async function showOnly(id) {
    selected = [id];
    await showSelected();
  }
  async function showSelected() {
    for (const tr of $("runs").querySelectorAll("tbody tr")) {
      const on = selected.includes(tr.dataset.id);
      tr.classList.toggle("shown", on);
      tr.querySelector("input.pick").checked = on;
    }
    const wanted = selected;
    try {
      for (const id of wanted) if (!runs[id]) runs[id] = await api("/api/run?id=" + encodeURIComponent(id));
    } catch (e) {
      return message(e.message);
    }
    if (wanted !== selected) return;             // another pick came meanwhile; its call draws
    message("");
    follow();
    drawCurves();
    drawDiff();
    drawPictures();
  }

  // -- following running runs: one stream for all of them -------------------------------------------------------
  function follow() {
    if (stream) stream.close();
    stream = null;
    const live = selected.filter((id) => runs[id] && runs[id].status === "running");   // loaded ones
    $("live").textContent = live.length ? "following " + live.length + " running run" + (live.length > 1 ? "s" : "") : "";
    if (!live.length) return;
    const q = new URLSearchParams({token: TOKEN, runs: live.join(","), offsets: live.map((id) => runs[id].offset).join(",")});
    stream = new EventSource("/api/events?" + q.toString());
    stream.onmessage = (ev) => {
      const e = JSON.parse(ev.data);
      const run = runs[e.run];
      if (!run) return;
      if (e.type === "records") {
        run.records.push(...e.records);
        run.offset = e.offset;
        const last = run.records[run.records.length - 1];
        const cell = document.querySelector(`#runs tr[data-id="${CSS.escape(e.run)}"] span.epoch`);
        if (cell && last && typeof last.epoch === "number") cell.textContent = " " + last.epoch + "/" + (run.epochs || "?");
        scheduleDraw();
      } else if (e.type === "reset") {
        run.records = e.records;
        run.offset = e.offset;
        scheduleDraw();
      } else if (e.type === "progress") {
        progress[e.run] = e.progress;
        drawProgress();
      } else if (e.type === "status") {
        delete runs[e.run];
        delete progress[e.run];
        loadList().then(showSelected);
      }
    };
  }
  let drawPending = false;
  function scheduleDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      drawCurves();
    });
  }
  function drawProgress() {
    const parts = [];
    for (const id of selected) {
      const p = progress[id];
      if (!p || !runs[id]) continue;
      let text = runs[id].name + ": epoch " + p.epoch + "/" + p.epochs + ", step " + p.step + "/" + p.steps;
      if (typeof p.loss === "number") text += ", loss " + p.loss.toFixed(4);
      if (typeof p.acc === "number") text += ", train " + pct(p.acc);
      parts.push(text);
    }
    $("progress").textContent = parts.join(" · ");
  }

  // -- curves ------------------------------------------------------------------------------------------------------
  const HIDDEN_KEYS = new Set(["epoch", "step", "elapsed_s"]);
  function groups(keys) {
    const out = [], used = new Set();
    const take = (title, test, logy) => {
      const ks = keys.filter((k) => !used.has(k) && test(k));
      ks.forEach((k) => used.add(k));
      if (ks.length) out.push({title, keys: ks, logy});
    };
    take("loss", (k) => k.endsWith("loss"));
    take("accuracy", (k) => k.endsWith("_acc"));
    take("learning rate", (k) => k === "lr", true);
    take("dead / saturated units", (k) => k.startsWith("dead") || k === "saturated");
    take("gradient norms", (k) => k.includes("grad"), true);
    const TITLES = {time_s: "seconds per epoch", samples_per_s: "samples per second"};
    for (const k of keys) if (!used.has(k)) out.push({title: TITLES[k] || k, keys: [k]});
    return out;
  }
  function numericKeys(ids) {
    const keys = [];
    for (const id of ids) for (const r of runs[id].records)
      for (const k in r) if (typeof r[k] === "number" && !HIDDEN_KEYS.has(k) && !keys.includes(k)) keys.push(k);
    return keys;
  }
  function drawCurves() {
    const panel = $("curves-panel");
    const ids = selected.filter((id) => runs[id]);
    panel.hidden = !ids.length;
    if (!ids.length) {
      $("inside-panel").hidden = true;
      return;
    }
    $("curves-title").textContent = ids.map((id) => runs[id].name).join(", ");
    const legend = $("legend");
    legend.textContent = "";
    for (const id of ids) {
      const item = el("span", {class: "item"});
      const sw = el("span", {class: "swatch"});
      sw.style.background = color(id);
      item.append(sw, runs[id].name + " (" + runs[id].records.length + " epochs)");
      legend.append(item);
    }
    legend.append(el("span", {class: "hint"}, "solid: train · dashed: validation"));
    const charts = $("charts");
    charts.textContent = "";
    for (const g of groups(numericKeys(ids))) {
      const series = [];
      for (const id of ids) for (const k of g.keys) {
        const pts = runs[id].records.filter((r) => typeof r[k] === "number")
          .map((r, i) => [typeof r.epoch === "number" ? r.epoch : i + 1, r[k]]);
        if (pts.length) series.push({label: runs[id].name + " " + k, color: color(id),
                                     dash: k.startsWith("val") ? "5,3" : (k.startsWith("test") ? "2,2" : ""), pts});
      }
      if (series.length) charts.append(chartBox(g.title, lineChart(g.title, series, g.logy), g.title));
    }
    drawProgress();
    drawInside();
  }

  // -- inside the net: quantile bands of each tensor's weights and gradients over the epochs --------------------------
  function drawInside() {
    const id = selected.find((x) => runs[x] && runs[x].records.some((r) => r.layers && typeof r.layers === "object"));
    $("inside-panel").hidden = !id;
    if (!id) return;
    $("inside-title").textContent = runs[id].name;
    const box = $("inside");
    box.textContent = "";
    const recs = runs[id].records.filter((r) => r.layers && typeof r.layers === "object");
    const names = [...new Set(recs.flatMap((r) => Object.keys(r.layers)))];
    for (const name of names) for (const [part, label] of [["w", "weights"], ["g", "gradients"]]) {
      const rows = recs.map((r, i) => [typeof r.epoch === "number" ? r.epoch : i + 1, (r.layers[name] || {})[part]])
        .filter((p) => Array.isArray(p[1]) && p[1].length === 7 && p[1].every((v) => typeof v === "number"));
      if (rows.length) box.append(chartBox(name + " " + label, bandChart(name + " " + label, rows, color(id)),
                                           name + "_" + label));
    }
  }
  function bandChart(title, rows, colour) {
    const W = 300, H = 190, L = 60, R = 10, T = 20, B = 30;
    const xs = rows.map((r) => r[0]), ys = rows.flatMap((r) => r[1]);
    let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { const d = Math.abs(y0) * 0.1 || 1; y0 -= d; y1 += d; }
    const X = (x) => L + (x - x0) / (x1 - x0) * (W - L - R), Y = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
    const svg = sv("svg", {xmlns: SVGNS, width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "band-chart"});
    svg.append(sv("rect", {x: 0, y: 0, width: W, height: H, fill: "#fff"}));
    svg.append(sv("text", {x: L, y: 13, "font-weight": "600"}, title));
    for (const v of niceTicks(y0, y1, 4)) {
      svg.append(sv("line", {x1: L, x2: W - R, y1: Y(v), y2: Y(v), stroke: "#eee"}));
      svg.append(sv("text", {x: L - 4, y: Y(v) + 4, "text-anchor": "end"}, fmt(v)));
    }
    for (const v of niceTicks(x0, x1, Math.min(5, Math.max(1, x1 - x0))).filter(Number.isInteger))
      svg.append(sv("text", {x: X(v), y: H - B + 14, "text-anchor": "middle"}, fmt(v)));
    svg.append(sv("text", {x: (L + W - R) / 2, y: H - 3, "text-anchor": "middle"}, "epoch"));
    const band = (lo, hi, opacity) => {
      const top = rows.map((r, i) => (i ? "L" : "M") + X(r[0]).toFixed(1) + "," + Y(r[1][hi]).toFixed(1)).join("");
      const bottom = rows.slice().reverse().map((r) => "L" + X(r[0]).toFixed(1) + "," + Y(r[1][lo]).toFixed(1)).join("");
      const d = rows.length > 1 ? top + bottom + "Z"
        : `M${X(rows[0][0]) - 3},${Y(rows[0][1][hi])}h6V${Y(rows[0][1][lo])}h-6Z`;
      svg.append(sv("path", {d, fill: colour, "fill-opacity": opacity, stroke: "none", class: "band"}));
    };
    band(0, 6, 0.15);
    band(1, 5, 0.25);
    band(2, 4, 0.4);
    const mid = rows.map((r, i) => (i ? "L" : "M") + X(r[0]).toFixed(1) + "," + Y(r[1][3]).toFixed(1)).join("");
    svg.append(sv("path", {d: mid, fill: "none", stroke: colour, "stroke-width": 1.5, class: "median"}));
    svg.append(sv("rect", {x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#888"}));
    return svg;
  }

  function niceTicks(lo, hi, n) {
    if (!(hi > lo)) { hi = lo + 1; lo = lo - 1; }
    const step0 = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }
  function fmt(v) {
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2).replace(/\.?0+e/, "e");
    return +v.toPrecision(4) + "";
  }
  function lineChart(title, series, logy) {
    const W = 410, H = 250, L = 56, R = 12, T = 22, B = 34;
    const xs = series.flatMap((s) => s.pts.map((p) => p[0]));
    let ys = series.flatMap((s) => s.pts.map((p) => p[1]));
    const log = logy && ys.every((y) => y > 0) && Math.max(...ys) / Math.min(...ys) > 20;
    const fy = log ? Math.log10 : (y) => y;
    ys = ys.map(fy);
    let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { const d = Math.abs(y0) * 0.1 || 1; y0 -= d; y1 += d; }
    const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
    const X = (x) => L + (x - x0) / (x1 - x0) * (W - L - R), Y = (y) => T + (1 - (fy(y) - y0) / (y1 - y0)) * (H - T - B);
    const svg = sv("svg", {xmlns: SVGNS, width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "line-chart"});
    svg.append(sv("rect", {x: 0, y: 0, width: W, height: H, fill: "#fff"}));
    svg.append(sv("text", {x: L, y: 14, "font-weight": "600"}, title + (log ? " (log scale)" : "")));
    const yt = log ? niceTicks(Math.floor(y0), Math.ceil(y1), 4).filter((v) => Number.isInteger(v)).map((v) => Math.pow(10, v))
                   : niceTicks(y0, y1, 5);
    for (const v of yt) {
      const y = Y(v);
      if (y < T - 1 || y > H - B + 1) continue;
      svg.append(sv("line", {x1: L, x2: W - R, y1: y, y2: y, stroke: "#eee"}));
      svg.append(sv("text", {x: L - 4, y: y + 4, "text-anchor": "end"}, fmt(v)));
    }
    const xt = niceTicks(x0, x1, Math.min(6, Math.max(1, x1 - x0))).filter((v) => Number.isInteger(v));
    for (const v of xt) {
      svg.append(sv("line", {x1: X(v), x2: X(v), y1: H - B, y2: H - B + 4, stroke: "#888"}));
      svg.append(sv("text", {x: X(v), y: H - B + 16, "text-anchor": "middle"}, fmt(v)));
    }
    svg.append(sv("text", {x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle"}, "epoch"));
    svg.append(sv("rect", {x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#888"}));
    for (const s of series) {
      const d = s.pts.map((p, i) => (i ? "L" : "M") + X(p[0]).toFixed(1) + "," + Y(p[1]).toFixed(1)).join("");
      const path = sv("path", {d, fill: "none", stroke: s.color, "stroke-width": 1.8, class: "series"});
      if (s.dash) path.setAttribute("stroke-dasharray", s.dash);
      path.append(sv("title", {}, s.label));
      svg.append(path);
      if (s.pts.length === 1) svg.append(sv("circle", {cx: X(s.pts[0][0]), cy: Y(s.pts[0][1]), r: 3, fill: s.color}));
    }
    return svg;
  }

  function chartBox(title, svg, filename) {
    const box = el("div", {class: "chart"});
    const bar = el("div", {class: "bar"});
    const btn = el("button", {class: "small download", title: "download this chart as SVG"}, "SVG");
    btn.addEventListener("click", () => download(svg, filename.replace(/[^a-z0-9]+/gi, "_") + ".svg"));
    const png = el("button", {class: "small download", title: "download this chart as PNG"}, "PNG");
    png.addEventListener("click", () => downloadPNG(svg, filename.replace(/[^a-z0-9]+/gi, "_") + ".png"));
    const tools = el("span");
    tools.append(btn, " ", png);
    bar.append(el("span", {}, ""), tools);
    box.append(bar, svg);
    return box;
  }
  function svgText(svg) {
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg);
  }
  function save(blob, filename) {
    const a = el("a", {href: URL.createObjectURL(blob), download: filename});
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function download(svg, filename) {
    save(new Blob([svgText(svg)], {type: "image/svg+xml"}), filename);
  }
  function downloadPNG(svg, filename) {
    const img = new Image();
    const url = URL.createObjectURL(new Blob([svgText(svg)], {type: "image/svg+xml"}));
    img.onload = () => {
      const c = document.createElement("canvas");
      c.width = svg.width.baseVal.value * 2;
      c.height = svg.height.baseVal.value * 2;
      const g = c.getContext("2d");
      g.scale(2, 2);
      g.drawImage(img, 0, 0);
      URL.revokeObjectURL(url);
      c.toBlob((b) => save(b, filename), "image/png");
    };
    img.src = url;
  }

  // -- settings that differ -----------------------------------------------------------------------------------------
  function drawDiff() {
    const box = $("diff");
    box.textContent = "";
    const ids = selected.filter((id) => runs[id]);
    if (ids.length < 2) {
      box.append(el("p", {class: "hint"}, "Tick two runs or more to see the settings in which they differ."));
      return;
    }
    box.append(el("h3", {}, "Settings that differ"));
    const configs = ids.map((id) => runs[id].config || {});
    const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))].filter((k) => !["name", "out", "progress"].includes(k));
    const show = (v) => (v === undefined ? "—" : JSON.stringify(v));
    const differ = keys.filter((k) => new Set(configs.map((c) => show(c[k]))).size > 1);
    if (!differ.length) {
      box.append(el("p", {class: "hint"}, "These runs have the same settings."));
      return;
    }
    const table = el("table", {id: "diff-table"});
    const head = el("tr");
    head.append(el("th", {}, "setting"));
    for (const id of ids) head.append(el("th", {}, runs[id].name));
    table.append(head);
    for (const k of differ) {
      const tr = el("tr");
      tr.append(el("td", {}, k));
      configs.forEach((c) => tr.append(el("td", {class: "num"}, show(c[k]))));
      table.append(tr);
    }
    box.append(table);
  }

  // -- the run's pictures ---------------------------------------------------------------------------------------------
  function pictureLink(id, name) {
    return "/api/picture?" + new URLSearchParams({token: TOKEN, id, name}).toString();
  }
  function drawPictures() {
    const id = selected.find((x) => runs[x] && runs[x].pictures.length);
    $("pictures-panel").hidden = !id;
    if (!id) return;
    $("pictures-title").textContent = runs[id].name;
    const box = $("pictures");
    box.textContent = "";
    for (const name of runs[id].pictures) box.append(figure(id, name));
  }
  function figure(id, name) {
    const f = el("figure");
    const a = el("a", {href: pictureLink(id, name), download: name});
    a.append(el("img", {src: pictureLink(id, name), alt: name}));
    f.append(a, el("figcaption", {}, name + " (click to download)"));
    return f;
  }

  // -- sweeps: learning rate x regularization, coloured by validation accuracy ------------------------------------------
  function viridis(t) {
    const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    t = Math.min(1, Math.max(0, t)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(t)), f = t - i;
    const c = stops[i].map((v, k) => Math.round(v + f * (stops[i + 1][k] - v)));
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  }
  async function showSweep(id) {
    let s;
    try {
      s = await api("/api/sweep?id=" + encodeURIComponent(id));
    } catch (e) {
      return message(e.message);
    }
    $("sweep-panel").hidden = false;
    $("sweep-title").textContent = s.path + " · " + s.points.length + " runs";
    const chart = $("sweep-chart");
    chart.textContent = "";
    const pts = s.points.filter((p) => typeof p.lr === "number" && p.lr > 0 && typeof p.reg === "number" && p.reg >= 0);
    if (!pts.length) {
      chart.append(el("p", {class: "hint"}, "No run of this sweep has a learning rate and a regularization to place."));
    } else {
      chart.append(chartBox("sweep", scatter(pts), "sweep_lr_reg"));
    }
    const table = el("table", {id: "sweep-runs"});
    const keys = Object.keys(s.grid).filter((k) => k !== "lr" && k !== "reg");
    const head = el("tr");
    for (const h of ["run", ...keys, "lr", "reg", "val acc", "test acc"]) head.append(el("th", {}, h));
    table.append(head);
    for (const p of [...s.points].sort((a, b) => (b.val_acc || 0) - (a.val_acc || 0))) {
      const tr = el("tr");
      const name = el("a", {class: "run"}, p.name);
      name.addEventListener("click", () => showOnly(p.id));
      const td = el("td");
      td.append(name);
      tr.append(td);
      for (const k of keys) tr.append(el("td", {}, Array.isArray(p.settings[k]) ? p.settings[k].join(",") : String(p.settings[k])));
      tr.append(el("td", {class: "num"}, p.lr === null ? "" : fmt(p.lr)), el("td", {class: "num"}, p.reg === null ? "" : fmt(p.reg)),
                el("td", {class: "num"}, pct(p.val_acc)), el("td", {class: "num"}, pct(p.test_acc)));
      table.append(tr);
    }
    $("sweep-table").textContent = "";
    $("sweep-table").append(table);
    const pics = $("sweep-pictures");
    pics.textContent = "";
    for (const name of s.pictures) pics.append(figure(id, name));
  }
  function logTicks(values, lo, hi) {
    // the values themselves when there are few (a sweep's grid), else the powers of ten
    const distinct = [...new Set(values)].sort((a, b) => a - b);
    if (distinct.length && distinct.length <= 8) return distinct.map((v) => [Math.log10(v), fmt(v)]);
    const out = [];
    for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) out.push([e, "1e" + e]);
    return out;
  }
  function scatter(pts) {
    const W = 520, H = 380, L = 64, R = 90, T = 26, B = 44;
    const lrs = pts.map((p) => Math.log10(p.lr));
    const pos = pts.filter((p) => p.reg > 0).map((p) => Math.log10(p.reg));
    const hasZero = pts.some((p) => p.reg === 0);
    let x0 = Math.min(...lrs), x1 = Math.max(...lrs);
    let y0 = pos.length ? Math.min(...pos) : -4, y1 = pos.length ? Math.max(...pos) : -2;
    if (x1 === x0) { x0 -= 0.5; x1 += 0.5; }
    if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
    const zeroAt = y0 - (hasZero ? Math.max(0.5, (y1 - y0) * 0.15) : 0);   // reg = 0 drawn on its own row below
    const lo = zeroAt - 0.25, hi = y1 + 0.25;
    x0 -= 0.25; x1 += 0.25;
    const X = (v) => L + (v - x0) / (x1 - x0) * (W - L - R), Y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
    const svg = sv("svg", {xmlns: SVGNS, width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "scatter"});
    svg.append(sv("rect", {x: 0, y: 0, width: W, height: H, fill: "#fff"}));
    svg.append(sv("text", {x: L, y: 16, "font-weight": "600"}, "validation accuracy by learning rate and regularization"));
    svg.append(sv("rect", {x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#888"}));
    for (const [v, label] of logTicks(pts.map((p) => p.lr), x0, x1)) {
      svg.append(sv("line", {x1: X(v), x2: X(v), y1: T, y2: H - B, stroke: "#eee"}));
      svg.append(sv("text", {x: X(v), y: H - B + 16, "text-anchor": "middle"}, label));
    }
    for (const [v, label] of logTicks(pts.filter((p) => p.reg > 0).map((p) => p.reg), y0 - 0.01, y1 + 0.01)) {
      svg.append(sv("line", {x1: L, x2: W - R, y1: Y(v), y2: Y(v), stroke: "#eee"}));
      svg.append(sv("text", {x: L - 4, y: Y(v) + 4, "text-anchor": "end"}, label));
    }
    if (hasZero) svg.append(sv("text", {x: L - 4, y: Y(zeroAt) + 4, "text-anchor": "end"}, "0"));
    svg.append(sv("text", {x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle"}, "learning rate (log)"));
    svg.append(sv("text", {x: 14, y: (T + H - B) / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${(T + H - B) / 2})`},
                  "regularization (log)"));
    const accs = pts.map((p) => p.val_acc).filter((a) => typeof a === "number");
    const a0 = accs.length ? Math.min(...accs) : 0, a1 = accs.length ? Math.max(...accs) : 1;
    const shade = (a) => (typeof a === "number" ? viridis(a1 > a0 ? (a - a0) / (a1 - a0) : 1) : "#ccc");
    const best = Math.max(...accs);
    for (const p of pts) {
      const cy = Y(p.reg > 0 ? Math.log10(p.reg) : zeroAt);
      const c = sv("circle", {cx: X(Math.log10(p.lr)), cy, r: p.val_acc === best ? 11 : 9, fill: shade(p.val_acc),
                              stroke: p.val_acc === best ? "#d62728" : "#333", "stroke-width": p.val_acc === best ? 2 : 0.6,
                              class: "point"});
      c.append(sv("title", {}, `${p.name}: lr ${p.lr}, reg ${p.reg}, val ${pct(p.val_acc)}`));
      svg.append(c);
      if (pts.length <= 30 && typeof p.val_acc === "number")
        svg.append(sv("text", {x: X(Math.log10(p.lr)) + 13, y: cy + 4}, (100 * p.val_acc).toFixed(1)));
    }
    const bx = W - R + 24, bh = H - T - B;            // the colour bar
    for (let i = 0; i < 50; i++)
      svg.append(sv("rect", {x: bx, y: T + bh * (1 - (i + 1) / 50), width: 14, height: bh / 50 + 0.5, fill: viridis(i / 49)}));
    svg.append(sv("text", {x: bx + 18, y: T + 8}, pct(a1)));
    svg.append(sv("text", {x: bx + 18, y: T + bh}, pct(a0)));
    svg.append(sv("text", {x: bx - 4, y: T - 8}, "val acc"));
    return svg;
  }

  $("refresh").addEventListener("click", () => loadList().then(showSelected));
  loadList().then(() => {
    const first = new URLSearchParams(location.search).get("run");
    if (first && list.some((r) => r.id === first)) showOnly(first);
  });
  window.chainruleView = {runs, get selected() { return selected; }, showOnly, pick, showSweep};
})();
