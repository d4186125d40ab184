// chainrule playground: the page. Talks to the Python session over JSON (fetch) and a server-sent event stream;
// draws everything on canvas from the compact arrays the server computes. No libraries, no network beyond 127.0.0.1.
"use strict";
(function () {
  const TOKEN = document.querySelector('meta[name="chainrule-token"]').content;
  const query = new URLSearchParams(location.search);
  const LANG = query.get("lang") === "vi" ? "vi" : "en";
  const T = window.I18N[LANG];
  const t = (k) => (T[k] !== undefined ? T[k] : (window.I18N.en[k] !== undefined ? window.I18N.en[k] : k));
  const COLORS = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#7f7f7f",
                  "#bcbd22", "#17becf"];
  const FEATURES = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sin1", "sin2"];
  const FEATURE_LABELS = {x1: "x₁", x2: "x₂", x1sq: "x₁²", x2sq: "x₂²", x1x2: "x₁·x₂", sin1: "sin(x₁)", sin2: "sin(x₂)"};
  const SETS = {classification: ["spiral", "circles", "xor", "gaussian", "moons", "custom"],
                regression: ["plane", "bumps", "custom"]};
  const LRS = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const $ = (id) => document.getElementById(id);

  let state = null;          // config, points, history, grad_history
  let frame = null;          // the latest frame
  let playing = false;
  let selected = null;       // index of the inspected point
  let drawPending = false;

  // -- talking to the server ----------------------------------------------------------------------------------
  async function api(method, path, body, raw) {
    const opts = {method, headers: {"X-Chainrule-Token": TOKEN}};
    if (raw !== undefined) {
      opts.body = raw;
      opts.headers["Content-Type"] = "text/csv";
    } else if (body !== undefined) {
      opts.body = JSON.stringify(body);
      opts.headers["Content-Type"] = "application/json";
    }
    const r = await fetch(path, opts);
    const type = r.headers.get("Content-Type") || "";
    const data = type.startsWith("application/json") ? await r.json() : await r.text();
    if (!r.ok) throw new Error((data && data.error) || r.statusText);
    return data;
  }

  function showMessage(text) {
    const m = $("message");
    m.textContent = text || "";
    m.hidden = !text;
  }

  async function guarded(fn) {
    try {
      showMessage("");
      return await fn();
    } catch (e) {
      showMessage(e.message);
      return null;
    }
  }

  function handle(event) {
    if (!event) return;
    if (event.type === "state") {
      state = event;
      frame = event.frame;
      selected = null;
      $("backprop").textContent = "";
      $("gradcheck").textContent = "";
      setPlaying(event.playing);
      renderControls();
    } else if (event.type === "frame") {
      frame = event;
      if (state) {
        const h = state.history;
        if (!h.length || h[h.length - 1].step < event.step) h.push(event.metrics);
        else h[h.length - 1] = event.metrics;
        const g = state.grad_history;
        if (!g.length || g[g.length - 1][0] < event.step) g.push([event.step].concat(event.grad_norms));
        if (h.length > 2000) { state.history = h.filter((_, i) => i % 2 === 0 || i === h.length - 1); }
        if (g.length > 2000) { state.grad_history = g.filter((_, i) => i % 2 === 0 || i === g.length - 1); }
      }
      setPlaying(event.playing);
    } else if (event.type === "error") {
      setPlaying(false);
      showMessage(event.message);
    }
    scheduleDraw();
  }

  function connect() {
    const source = new EventSource("/api/events?token=" + encodeURIComponent(TOKEN));
    source.onmessage = (e) => handle(JSON.parse(e.data));
  }

  // -- controls -----------------------------------------------------------------------------------------------
  function setPlaying(p) {
    playing = !!p;
    const b = $("play");
    b.textContent = playing ? t("pause") : t("play");
    b.classList.toggle("playing", playing);
  }

  function option(value, text) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  function renderControls() {
    const c = state.config;
    const ds = $("dataset");
    ds.replaceChildren(...SETS[c.problem].map((s) => option(s, (T.datasets || I18N.en.datasets)[s] || s)));
    for (const el of document.querySelectorAll("[data-key]")) {
      const key = el.dataset.key;
      if (key === "lr") continue;
      el.value = c[key];
    }
    const lr = $("lr");
    const values = LRS.includes(c.lr) ? LRS : LRS.concat([c.lr]).sort((a, b) => a - b);
    lr.replaceChildren(...values.map((v) => option(v, String(v))));
    lr.value = String(c.lr);
    $("noise-out").textContent = c.noise;
    $("train_ratio-out").textContent = c.train_ratio;
    $("classes").disabled = !(c.problem === "classification" && ["spiral", "gaussian"].includes(c.dataset));
    $("lam").disabled = c.regularization === "none";
    const feats = $("features");
    feats.replaceChildren(...FEATURES.map((f) => {
      const l = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = "feature-" + f;
      box.checked = c.features.includes(f);
      box.addEventListener("change", () => {
        const chosen = FEATURES.filter((g) => $("feature-" + g).checked);
        send({features: chosen});
      });
      l.append(box, " " + FEATURE_LABELS[f]);
      return l;
    }));
    $("layer-count").textContent = c.hidden.length;
    $("layer-units").replaceChildren(...c.hidden.map((n, i) => {
      const inp = document.createElement("input");
      inp.type = "number";
      inp.min = 1;
      inp.max = 128;
      inp.value = n;
      inp.id = "units-" + i;
      inp.title = t("layer") + " " + (i + 1) + ": " + t("units");
      inp.addEventListener("change", () => send((now) => {
        const hidden = now.hidden.slice();
        hidden[i] = Number(inp.value);
        return {hidden};
      }));
      return inp;
    }));
    const labels = $("draw-label");
    const before = labels.value;
    if (c.problem === "classification") {
      const k = Math.max(state.points.classes || 2, 2);
      labels.replaceChildren(...Array.from({length: Math.min(10, k + 1)}, (_, i) => option(i, t("class") + " " + i)));
    } else {
      labels.replaceChildren(...[-1, -0.5, 0, 0.5, 1].map((v) => option(v, "y = " + v)));
    }
    if ([...labels.options].some((o) => o.value === before)) labels.value = before;
    writeHash();
  }

  // Changes go one at a time, each computed from the state the previous one left (fast clicks add up).
  let queue = Promise.resolve();
  function send(changes) {
    queue = queue.then(async () => {
      const body = typeof changes === "function" ? changes(state.config) : changes;
      if (!body) return;
      const s = await guarded(() => api("POST", "/api/config", body));
      if (s) handle(s);
      else if (state) renderControls();      // put the refused value back
    });
    return queue;
  }

  function readValue(el) {
    if (el.type === "number" || el.type === "range" || el.dataset.key === "lr") return Number(el.value);
    return el.value;
  }

  function writeHash() {
    const c = state.config;
    const parts = Object.keys(c).filter((k) => !(k === "dataset" && c[k] === "custom"))
      .map((k) => k + "=" + encodeURIComponent(Array.isArray(c[k]) ? c[k].join(",") : c[k]));
    history.replaceState(null, "", location.pathname + location.search + "#" + parts.join("&"));
  }

  function readHash() {
    const h = location.hash.replace(/^#/, "");
    if (!h) return null;
    const out = {};
    for (const part of h.split("&")) {
      const i = part.indexOf("=");
      if (i > 0) out[decodeURIComponent(part.slice(0, i))] = decodeURIComponent(part.slice(i + 1));
    }
    return out;
  }

  // -- drawing ------------------------------------------------------------------------------------------------
  function scheduleDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      draw();
    });
  }

  function draw() {
    if (!state || !frame) return;
    renderMetrics(frame.metrics);
    drawBoundary();
    drawNetwork();
    drawCurves();
    drawGradFlow();
    renderHealth();
  }

  function fmt(v, digits = 4) {
    if (v === null || v === undefined) return "–";
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(digits)));
    return v.toExponential(digits - 1);
  }

  function pct(v) { return v === null || v === undefined ? "–" : (100 * v).toFixed(1) + "%"; }

  function renderMetrics(m) {
    $("step-count").textContent = m.step;
    $("epoch").textContent = m.epoch.toFixed(1);
    $("train-loss").textContent = fmt(m.train_loss);
    $("test-loss").textContent = fmt(m.test_loss);
    $("train-acc").textContent = pct(m.train_acc);
    $("test-acc").textContent = pct(m.test_acc);
  }

  function bytes(b64) {
    const s = atob(b64);
    const a = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
    return a;
  }

  function rgb(hex) {
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  function mix(c, amount) {      // colour c blended with white; amount 0 = white, 1 = c
    return c.map((v) => Math.round(255 + (v - 255) * amount));
  }

  function diverging(u) {        // u in [-1, 1]: orange (negative), white, blue (positive)
    return mix(rgb(u < 0 ? COLORS[0] : COLORS[1]), Math.min(1, Math.abs(u)));
  }

  const scratch = document.createElement("canvas");
  function blit(ctx, pixels, n, x, y, w, h) {
    scratch.width = n;
    scratch.height = n;
    const sctx = scratch.getContext("2d");
    const img = sctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      img.data[4 * i] = pixels[3 * i];
      img.data[4 * i + 1] = pixels[3 * i + 1];
      img.data[4 * i + 2] = pixels[3 * i + 2];
      img.data[4 * i + 3] = 255;
    }
    sctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(scratch, x, y, w, h);
  }

  function boundaryPixels() {
    const n = frame.grid;
    const px = new Uint8Array(3 * n * n);
    const b = frame.boundary;
    if (b.cls) {
      const cls = bytes(b.cls), conf = bytes(b.conf);
      const k = Math.max(2, state.points.classes || 2);
      for (let i = 0; i < n * n; i++) {
        const p = conf[i] / 255;
        const c = mix(rgb(COLORS[cls[i] % COLORS.length]), 0.15 + 0.55 * Math.max(0, (p - 1 / k) / (1 - 1 / k)));
        px.set(c, 3 * i);
      }
    } else {
      const v = bytes(b.value);
      for (let i = 0; i < n * n; i++) px.set(diverging(2 * v[i] / 255 - 1), 3 * i);
    }
    return px;
  }

  function toCanvas(x1, x2, size, extent) {
    return [(x1 + extent) / (2 * extent) * size, (extent - x2) / (2 * extent) * size];
  }

  function drawBoundary() {
    const cv = $("boundary"), ctx = cv.getContext("2d");
    const size = cv.width;
    blit(ctx, boundaryPixels(), frame.grid, 0, 0, size, size);
    const P = state.points, ext = frame.extent;
    const showTest = $("show-test").checked;
    const [lo, hi] = P.range;
    for (let i = 0; i < P.x.length; i++) {
      if (P.test[i] && !showTest) continue;
      const [cx, cy] = toCanvas(P.x[i][0], P.x[i][1], size, ext);
      ctx.beginPath();
      ctx.arc(cx, cy, i === selected ? 7 : 4, 0, 2 * Math.PI);
      const col = P.classes ? rgb(COLORS[P.y[i] % COLORS.length]) : diverging(2 * (P.y[i] - lo) / (hi - lo) - 1);
      ctx.fillStyle = `rgb(${col.join(",")})`;
      ctx.fill();
      ctx.lineWidth = i === selected ? 3 : 1;
      ctx.strokeStyle = P.test[i] ? "#000" : "#fff";
      ctx.stroke();
    }
    ctx.fillStyle = "#333";
    ctx.font = "11px system-ui";
    ctx.fillText(`x₁, x₂ ∈ [−${ext}, ${ext}]`, 6, size - 6);
  }

  function featureMap(f, n, ext) {
    const px = new Uint8Array(3 * n * n);
    const vals = new Float32Array(n * n);
    let m = 1e-12;
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const x1 = ((c + 0.5) / n * 2 - 1) * ext, x2 = (1 - (r + 0.5) / n * 2) * ext;
        const v = {x1, x2, x1sq: x1 * x1, x2sq: x2 * x2, x1x2: x1 * x2, sin1: Math.sin(x1), sin2: Math.sin(x2)}[f];
        vals[r * n + c] = v;
        m = Math.max(m, Math.abs(v));
      }
    }
    for (let i = 0; i < n * n; i++) px.set(diverging(vals[i] / m), 3 * i);
    return px;
  }

  function unitPixels(u, n) {
    const q = bytes(u.map);
    const px = new Uint8Array(3 * n * n);
    for (let i = 0; i < n * n; i++) px.set(diverging((q[i] - 128) / 127), 3 * i);
    return px;
  }

  function drawNetwork() {
    const cv = $("network"), ctx = cv.getContext("2d");
    const W = cv.width, H = cv.height;
    ctx.clearRect(0, 0, W, H);
    const c = state.config;
    const n = frame.unit_grid;
    const shown = (k) => Math.min(k, 16);
    const cols = [shown(c.features.length)].concat(c.hidden.map(shown), [frame.weights[frame.weights.length - 1].length]);
    const most = Math.max(...cols);
    const S = Math.max(10, Math.min(40, (H - 40) / most - 6));
    const xs = cols.map((_, i) => 30 + i * (W - 60 - S) / Math.max(1, cols.length - 1));
    const ys = cols.map((k) => Array.from({length: k}, (_, j) => (H - 30 - k * (S + 6)) / 2 + j * (S + 6)));
    let wmax = 1e-12;
    for (const w of frame.weights) for (const row of w) for (const v of row) wmax = Math.max(wmax, Math.abs(v));
    frame.weights.forEach((w, l) => {
      w.forEach((row, j) => row.forEach((v, i) => {
        if (j >= ys[l + 1].length || i >= ys[l].length) return;
        ctx.beginPath();
        ctx.moveTo(xs[l] + S, ys[l][i] + S / 2);
        ctx.lineTo(xs[l + 1], ys[l + 1][j] + S / 2);
        const col = rgb(v < 0 ? COLORS[0] : COLORS[1]);
        ctx.strokeStyle = `rgba(${col.join(",")},${0.15 + 0.85 * Math.abs(v) / wmax})`;
        ctx.lineWidth = 0.5 + 3.5 * Math.abs(v) / wmax;
        ctx.stroke();
      }));
    });
    ctx.font = "11px system-ui";
    ctx.fillStyle = "#333";
    c.features.slice(0, 16).forEach((f, i) => {
      blit(ctx, featureMap(f, n, frame.extent), n, xs[0], ys[0][i], S, S);
      ctx.fillStyle = "#333";
      ctx.fillText(FEATURE_LABELS[f], 2, ys[0][i] + S / 2 + 4);
    });
    frame.units.forEach((layer, l) => {
      const health = frame.health[l];
      layer.forEach((u, j) => {
        const x = xs[l + 1], y = ys[l + 1][j];
        blit(ctx, unitPixels(u, n), n, x, y, S, S);
        if (health && health.dead_units[j]) {
          ctx.fillStyle = "rgba(120,120,120,0.85)";
          ctx.fillRect(x, y, S, S);
          ctx.strokeStyle = "#fff";
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(x + 3, y + 3); ctx.lineTo(x + S - 3, y + S - 3);
          ctx.moveTo(x + S - 3, y + 3); ctx.lineTo(x + 3, y + S - 3);
          ctx.stroke();
        }
        if (health && health.saturated_units[j]) {
          ctx.strokeStyle = COLORS[0];
          ctx.lineWidth = 3;
          ctx.strokeRect(x - 1.5, y - 1.5, S + 3, S + 3);
        }
      });
      const units = c.hidden[l];
      ctx.fillStyle = "#333";
      ctx.fillText(`${t("layer")} ${l + 1}: ${units}` + (units > 16 ? "*" : ""), xs[l + 1] - 4, H - 14);
    });
    const out = cols[cols.length - 1];
    for (let j = 0; j < out; j++) {
      const x = xs[xs.length - 1], y = ys[ys.length - 1][j];
      ctx.fillStyle = state.points.classes ? COLORS[j % COLORS.length] : "#888";
      ctx.fillRect(x, y, S, S);
    }
    ctx.fillStyle = "#333";
    ctx.fillText(t("output_layer"), xs[xs.length - 1] - 4, H - 14);
    ctx.fillText(t("input"), xs[0] - 4, H - 14);
    if (c.hidden.some((h) => h > 16)) ctx.fillText("* " + t("weights_note"), 4, H - 2);
  }

  function renderHealth() {
    const parts = frame.health.map((h, l) => {
      const bits = [`${t("layer")} ${l + 1}`];
      if (state.config.activation === "relu") bits.push(`${t("dead")} ${pct(h.dead)}`);
      if (["sigmoid", "tanh"].includes(state.config.activation)) bits.push(`${t("saturated")} ${pct(h.saturated)}`);
      bits.push(`‖dL/dW‖ ${fmt(frame.grad_norms[l], 3)}`);
      return bits.join(" · ");
    });
    $("health").textContent = parts.join("   |   ");
  }

  function axes(ctx, x0, y0, w, h, title, legend) {
    ctx.strokeStyle = "#bbb";
    ctx.lineWidth = 1;
    ctx.strokeRect(x0, y0, w, h);
    ctx.fillStyle = "#333";
    ctx.font = "11px system-ui";
    ctx.fillText(title, x0 + 4, y0 + 12);
    if (legend) ctx.fillText(legend, x0 + 4, y0 + 25);
  }

  function line(ctx, pts, x0, y0, w, h, xmax, ymin, ymax, color, dash) {
    if (!pts.length) return;
    ctx.beginPath();
    ctx.setLineDash(dash || []);
    pts.forEach(([x, y], i) => {
      const px = x0 + (xmax > 0 ? x / xmax : 0) * w;
      const py = y0 + h - (ymax > ymin ? (y - ymin) / (ymax - ymin) : 0.5) * h;
      if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
    });
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.setLineDash([]);
  }

  function drawCurves() {
    const cv = $("curves"), ctx = cv.getContext("2d");
    ctx.clearRect(0, 0, cv.width, cv.height);
    const h = state.history;
    const xmax = Math.max(1, h[h.length - 1].step);
    const half = (cv.width - 12) / 2, H = cv.height - 10;
    const losses = h.flatMap((m) => [m.train_loss, m.test_loss]).filter((v) => v !== null && isFinite(v));
    const lmax = losses.length ? Math.max(...losses) : 1;
    axes(ctx, 4, 4, half, H, t("loss"), `— ${t("train")}   - - ${t("test")}`);
    line(ctx, h.filter((m) => m.train_loss !== null).map((m) => [m.step, m.train_loss]), 4, 4, half, H, xmax, 0, lmax, COLORS[1]);
    line(ctx, h.filter((m) => m.test_loss !== null).map((m) => [m.step, m.test_loss]), 4, 4, half, H, xmax, 0, lmax, COLORS[0], [4, 3]);
    if (state.config.problem === "classification") {
      axes(ctx, half + 8, 4, half, H, t("accuracy"), `— ${t("train")}   - - ${t("test")}`);
      line(ctx, h.filter((m) => m.train_acc !== null).map((m) => [m.step, m.train_acc]), half + 8, 4, half, H, xmax, 0, 1, COLORS[1]);
      line(ctx, h.filter((m) => m.test_acc !== null).map((m) => [m.step, m.test_acc]), half + 8, 4, half, H, xmax, 0, 1, COLORS[0], [4, 3]);
    }
  }

  function drawGradFlow() {
    const cv = $("gradflow"), ctx = cv.getContext("2d");
    ctx.clearRect(0, 0, cv.width, cv.height);
    const g = state.grad_history.filter((r) => r[0] > 0);
    const W = cv.width - 60, H = cv.height - 10;
    axes(ctx, 4, 4, W, H, "log₁₀ ‖dL/dW‖");
    if (!g.length) return;
    const layers = g[g.length - 1].length - 1;
    const logs = g.flatMap((r) => r.slice(1)).filter((v) => v > 0).map(Math.log10);
    const lo = Math.min(...logs, -1), hi = Math.max(...logs, 0);
    const xmax = g[g.length - 1][0];
    for (let l = 0; l < layers; l++) {
      const shade = layers > 1 ? l / (layers - 1) : 1;
      const col = `rgb(${mix(rgb(COLORS[1]), 0.3 + 0.7 * shade).join(",")})`;
      line(ctx, g.filter((r) => r[l + 1] > 0).map((r) => [r[0], Math.log10(r[l + 1])]), 4, 4, W, H, xmax, lo, hi, col);
      ctx.fillStyle = col;
      ctx.fillText(`W${l + 1}`, W + 10 + 24 * Math.floor(l / 6), 20 + 18 * (l % 6));
    }
    ctx.fillStyle = "#333";
    ctx.fillText(hi.toFixed(1), W - 24, 16);
    ctx.fillText(lo.toFixed(1), W - 24, H);
  }

  // -- backprop, gradient check, expression, code ----------------------------------------------------------
  function arrayText(a) {
    const shown = a.values.slice(0, 8).map((v) => fmt(v)).join(", ");
    const more = a.size > 8 ? `, … (${a.shape.join("×")}, ‖·‖ = ${fmt(a.norm, 3)})` : "";
    return a.size === 1 ? fmt(a.values[0]) : `[${shown}${more}]`;
  }

  function cell(tr, text, cls, attrs) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    for (const [k, v] of Object.entries(attrs || {})) td.setAttribute(k, v);
    tr.append(td);
    return td;
  }

  function table(headers) {
    const tb = document.createElement("table");
    const tr = document.createElement("tr");
    for (const h of headers) {
      const th = document.createElement("th");
      th.textContent = h;
      tr.append(th);
    }
    tb.append(tr);
    return tb;
  }

  const role = (r) => (T.roles && T.roles[r]) || r;

  function renderBackprop(bp) {
    const box = $("backprop");
    const head = document.createElement("p");
    const label = state.points.classes ? `${t("label")} ${bp.label}` : `y = ${fmt(bp.label)}`;
    head.id = "backprop-point";
    head.textContent = `${t("point")} #${bp.index} (${bp.point.map((v) => fmt(v)).join(", ")}), ${label}, ` +
      `${t("loss")} = ${fmt(bp.loss, 6)}; ${t("inputs")} x = [${bp.features.map((f) => FEATURE_LABELS[f]).join(", ")}]`;
    const fwd = table(["#", t("gate"), t("role"), t("inputs"), t("value")]);
    fwd.id = "forward-table";
    bp.forward.forEach((s, i) => {
      const tr = document.createElement("tr");
      cell(tr, String(i + 1));
      cell(tr, s.op);
      cell(tr, role(s.role) + (s.detail ? ` (${s.detail})` : ""));
      cell(tr, s.inputs.map((v) => `${v.name} = ${arrayText(v)}`).join("; "), "num");
      cell(tr, `${s.output.name || "out"} = ${arrayText(s.output)}`, "num");
      fwd.append(tr);
    });
    const bwd = table(["#", t("gate"), t("upstream"), t("local"), t("downstream")]);
    bwd.id = "backward-table";
    bp.backward.forEach((s, i) => {
      s.downstream.forEach((d, k) => {
        const tr = document.createElement("tr");
        cell(tr, k === 0 ? String(i + 1) : "");
        cell(tr, k === 0 ? `${s.op}: ${role(s.role)}` : "");
        cell(tr, k === 0 && s.upstream ? arrayText(s.upstream) : "", "num");
        cell(tr, k === 0 && s.local ? arrayText(s.local) : "", "num");
        cell(tr, `d${d.name} = ${arrayText(d)}`, "num down", {"data-to": d.name});
        bwd.append(tr);
      });
    });
    const grid = document.createElement("div");
    grid.className = "backprop-tables";
    const a = document.createElement("div"), b = document.createElement("div");
    const ha = document.createElement("h3"), hb = document.createElement("h3");
    ha.textContent = t("forward");
    hb.textContent = t("backward");
    a.append(ha, fwd);
    b.append(hb, bwd);
    grid.append(a, b);
    box.replaceChildren(head, grid);
  }

  function seconds(s) { return s < 1 ? (1000 * s).toFixed(1) + " ms" : s.toFixed(2) + " s"; }

  function renderGradcheck(g) {
    const tb = table([t("parameter"), t("shape"), t("probed"), t("rel_error")]);
    tb.id = "gradcheck-table";
    for (const r of g.rows) {
      const tr = document.createElement("tr");
      cell(tr, r.name);
      cell(tr, r.shape.join("×"));
      cell(tr, String(r.probed));
      cell(tr, r.rel_error.toExponential(2), "num");
      tb.append(tr);
    }
    const p = document.createElement("p");
    p.id = "gradcheck-cost";
    p.textContent = t("cost")(g.forward_passes, seconds(g.seconds_numeric), g.parameters, g.full_forward_passes,
                               seconds(g.seconds_backprop));
    $("gradcheck").replaceChildren(tb, p);
  }

  function pointFromEvent(e) {
    const cv = $("boundary");
    const r = cv.getBoundingClientRect();
    const ext = frame.extent;
    const x1 = ((e.clientX - r.left) / r.width * 2 - 1) * ext;
    const x2 = (1 - (e.clientY - r.top) / r.height * 2) * ext;
    return [x1, x2];
  }

  async function inspect(body) {
    if (playing) await guarded(() => api("POST", "/api/control", {action: "pause"}).then(handle));
    const bp = await guarded(() => api("POST", "/api/backprop", body));
    if (!bp) return;
    selected = bp.index;
    renderBackprop(bp);
    scheduleDraw();
  }

  // -- wiring ---------------------------------------------------------------------------------------------
  function wire() {
    document.documentElement.lang = LANG;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    const lang = (code) => {
      const q = new URLSearchParams(location.search);
      q.set("lang", code);
      return location.pathname + "?" + q.toString() + location.hash;
    };
    $("lang-en").addEventListener("click", (e) => { e.preventDefault(); location.href = lang("en"); });
    $("lang-vi").addEventListener("click", (e) => { e.preventDefault(); location.href = lang("vi"); });
    for (const el of document.querySelectorAll("[data-key]")) {
      el.addEventListener("change", () => {
        const key = el.dataset.key;
        const changes = {[key]: readValue(el)};
        if (key === "problem") changes.dataset = SETS[el.value][0];
        send(changes);
      });
    }
    $("noise").addEventListener("input", () => { $("noise-out").textContent = $("noise").value; });
    $("train_ratio").addEventListener("input", () => { $("train_ratio-out").textContent = $("train_ratio").value; });
    const control = (action) => guarded(() => api("POST", "/api/control", {action}).then(handle));
    $("play").addEventListener("click", () => {
      if (playing) control("pause");
      else { setPlaying(true); control("play"); }
    });
    $("step").addEventListener("click", () => control("step"));
    $("reset").addEventListener("click", () => control("reset"));
    $("regenerate").addEventListener("click", () => control("regenerate"));
    $("layer-add").addEventListener("click", () => send((c) =>
      c.hidden.length < 6 ? {hidden: c.hidden.concat([c.hidden.length ? c.hidden[c.hidden.length - 1] : 8])} : null));
    $("layer-remove").addEventListener("click", () => send((c) =>
      c.hidden.length > 0 ? {hidden: c.hidden.slice(0, -1)} : null));
    $("show-test").addEventListener("change", scheduleDraw);
    $("clear").addEventListener("click", () => guarded(() => api("POST", "/api/clear", {}).then(handle)));
    $("boundary").addEventListener("click", (e) => {
      if (!frame) return;
      const [x1, x2] = pointFromEvent(e);
      if ($("mode-draw").checked) {
        guarded(() => api("POST", "/api/point", {x1, x2, label: Number($("draw-label").value)}).then(handle));
      } else {
        inspect({x1, x2});
      }
    });
    $("csv").addEventListener("change", async () => {
      const file = $("csv").files[0];
      if (!file) return;
      $("csv-error").textContent = "";
      try {
        handle(await api("POST", "/api/csv", undefined, await file.text()));
      } catch (e) {
        $("csv-error").textContent = e.message;
      }
      $("csv").value = "";
    });
    $("gradcheck-button").addEventListener("click", async () => {
      const g = await guarded(() => api("POST", "/api/gradcheck", selected === null ? {} : {index: selected}));
      if (g) renderGradcheck(g);
    });
    $("explain-button").addEventListener("click", async () => {
      const r = await guarded(() => api("POST", "/api/explain", {expression: $("expr").value, values: $("expr-values").value}));
      if (r) $("explain").textContent = `f = ${fmt(r.value)}\n` + r.lines.join("\n");
    });
    $("code-button").addEventListener("click", async () => {
      const code = await guarded(() => api("GET", "/api/code"));
      if (code !== null) $("code").textContent = code;
    });
    const tok = "?token=" + encodeURIComponent(TOKEN);
    $("download-code").href = "/api/code" + tok;
    $("download-model").href = "/api/model" + tok;
    $("download-metrics").href = "/api/metrics" + tok;
  }

  async function start() {
    wire();
    const fromUrl = readHash();
    let s = null;
    if (fromUrl) s = await guarded(() => api("POST", "/api/config", fromUrl));
    if (!s) s = await guarded(() => api("GET", "/api/state"));
    if (s) handle(s);
    connect();
    window.playground = {inspect, get state() { return state; }, get frame() { return frame; }};
  }

  start();
})();
