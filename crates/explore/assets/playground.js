// The playground's page (`explore serve`): every control is a field of the view the server
// trains (its URL holds them all, so a link shares the view); each change sends the view to
// /api/line and redraws the scene that comes back. A newer request supersedes an older one:
// the server stops the stale computation, and the page ignores a stale answer.
(function () {
  "use strict";
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  const client = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const hidden = new Set((params.get("hide") || "").split(",").filter(Boolean));
  const config = { displaylogo: false, responsive: true, displayModeBar: false };
  let defaults = null, info = null, view = null, scene = null;
  let seq = 0, shown = 0, inFlight = false, pending = false, changedAt = 0;
  let frame = -1, timer = null;
  // Input-to-redraw times of the last changes (ms), read by the browser test.
  window.slopeTimings = [];

  const $ = (id) => document.getElementById(id);
  const human = (v) => (v === null || v === undefined) ? "" : Number(v.toPrecision(4)).toString();

  function headers() {
    const h = { "content-type": "application/json", "x-slope-client": client, "x-slope-seq": String(seq) };
    if (token) h["x-slope-token"] = token;
    return h;
  }

  // The view's fields as the URL writes them: only those that differ from the defaults.
  function writeUrl() {
    const q = new URLSearchParams();
    if (token) q.set("token", token);
    if (hidden.size) q.set("hide", [...hidden].join(","));
    for (const [k, v] of Object.entries(view)) {
      if (k === "gen") {
        for (const [g, gv] of Object.entries(v)) if (gv !== defaults.gen[g]) q.set("gen." + g, gv);
      } else if (k === "extent") {
        // The view's extent follows the data; it is not shared.
      } else if (JSON.stringify(v) !== JSON.stringify(defaults[k])) {
        q.set(k, v === null ? "" : v);
      }
    }
    history.replaceState(null, "", "?" + q.toString());
  }

  // A field from text: numbers as numbers, empty as null (the default), booleans as booleans.
  function parse(key, text) {
    const like = key.startsWith("gen.") ? defaults.gen[key.slice(4)] : defaults[key];
    if (text === "" || text === "null") return null;
    if (typeof like === "boolean" || key === "pin_bias") return text === "true";
    if (typeof like === "string" || key === "data") return text;
    const n = Number(text);
    return Number.isNaN(n) ? text : n;
  }

  function setField(key, value) {
    if (key.startsWith("gen.")) view.gen[key.slice(4)] = value === null ? defaults.gen[key.slice(4)] : value;
    else view[key] = value;
  }

  function getField(key) {
    return key.startsWith("gen.") ? view.gen[key.slice(4)] : view[key];
  }

  // The controls show the view: values, and only the settings that apply.
  function showControls() {
    for (const el of document.querySelectorAll("[data-key]")) {
      const v = getField(el.dataset.key);
      if (el.type === "checkbox") {
        el.checked = el.dataset.key === "pin_bias" ? (v === null ? view.data === "lesson" : v) : !!v;
      } else {
        el.value = v === null || v === undefined ? "" : v;
      }
    }
    const lr = scene ? scene.lr : (view.lr || 0.01);
    $("lr").value = Math.log10(lr);
    $("lr-value").textContent = human(lr);
    const uses = {
      momentum: ["momentum", "nesterov"].includes(view.optimizer),
      beta1: ["adam", "adamw"].includes(view.optimizer),
      beta2: ["adam", "adamw", "rmsprop"].includes(view.optimizer) && view.optimizer !== "rmsprop",
      delta: view.loss === "huber",
      beta: view.loss === "smooth-l1",
      shuffle: view.batch_size !== null,
      step_size: view.schedule === "step",
      gamma: ["step", "exponential"].includes(view.schedule),
      t_max: view.schedule === "cosine",
      warmup: !["constant", "onecycle"].includes(view.schedule),
      bias: !(view.pin_bias === null ? view.data === "lesson" : view.pin_bias),
    };
    for (const [k, on] of Object.entries(uses)) $("c-" + k).classList.toggle("hidden", !on);
    for (const el of document.querySelectorAll("[data-gen]")) el.classList.toggle("hidden", view.data !== "gen");
    for (const h of hidden) {
      const el = $("c-" + h) || $("f-" + h);
      if (el) el.classList.add("hidden");
    }
  }

  // Sends the view; at most one request is in flight, and the newest view waits its turn.
  function recompute() {
    changedAt = changedAt || performance.now();
    writeUrl();
    if (inFlight) { pending = true; return; }
    inFlight = true;
    const mine = ++seq;
    const started = performance.now();
    $("status").textContent = "computing…";
    fetch("/api/line", { method: "POST", headers: headers(), body: JSON.stringify(view) })
      .then((r) => r.json().then((body) => ({ status: r.status, body })))
      .then(({ status, body }) => {
        if (status === 409 || mine < shown) return;
        if (status !== 200) {
          $("error").textContent = body.error || ("the server answered " + status);
          $("status").textContent = "";
          return;
        }
        shown = mine;
        $("error").textContent = "";
        scene = body;
        const server = performance.now() - started;
        return draw().then(() => {
          const total = performance.now() - changedAt;
          window.slopeTimings.push(total);
          $("status").textContent = `${scene.points} points · redrawn ${total.toFixed(0)} ms after the change (the request took ${server.toFixed(0)} ms)`;
        });
      })
      .catch((e) => { $("error").textContent = "the server did not answer: " + e; })
      .finally(() => {
        inFlight = false;
        if (pending) { pending = false; recompute(); } else { changedAt = 0; }
      });
  }

  function track() { return scene.page.tracks[0]; }

  // Draws the scene: the landscape with the path, the data with the line, the loss and rate.
  function draw() {
    const page = scene.page, t = track();
    const n = frame < 0 ? t.x.length : Math.min(frame + 1, t.x.length);
    const last = n - 1;
    const path = { type: "scatter", mode: "lines+markers", name: t.label, marker: { size: 4, color: "#ff7f0e" }, line: { color: "#ff7f0e" },
      hovertemplate: "A %{x:.4g}<br>" + (page.kind === "grid" ? "b %{y:.4g}" : "loss %{y:.4g}") + "<br>epoch %{text}<extra></extra>", text: t.epoch.slice(0, n) };
    const start = { type: "scatter", mode: "markers", name: "start (drag it)", marker: { size: 14, color: "#d62728", symbol: "circle-open", line: { width: 3 } } };
    let traces, layout;
    const axis = (title, extra) => Object.assign({ title: { text: title }, zeroline: false }, extra || {});
    if (page.kind === "grid") {
      traces = [
        { type: "heatmap", x: page.xs, y: page.zs, z: page.losses, colorscale: "Viridis", colorbar: { title: { text: "loss" } }, showlegend: false,
          hovertemplate: "A %{x:.4g}<br>b %{y:.4g}<br>loss %{z:.4g}<extra></extra>" },
        { type: "contour", x: page.xs, y: page.zs, z: page.losses, showscale: false, showlegend: false, hoverinfo: "skip",
          contours: { coloring: "none" }, line: { color: "rgba(255,255,255,0.45)", width: 1 }, ncontours: 18 },
        Object.assign(path, { x: t.x.slice(0, n), y: t.z.slice(0, n) }),
        Object.assign(start, { x: [t.x[0]], y: [t.z[0]] }),
      ];
      if (page.optimum) traces.push({ type: "scatter", mode: "markers", name: "best line", x: [page.optimum.x], y: [page.optimum.z], marker: { symbol: "x", size: 11, color: "white" } });
      layout = { xaxis: axis(page.x_label, { range: [page.xs[0], page.xs[page.xs.length - 1]] }),
        yaxis: axis(page.z_label, { range: [page.zs[0], page.zs[page.zs.length - 1]] }) };
    } else {
      traces = [
        { type: "scatter", mode: "lines", name: "loss", x: page.curve_x, y: page.curve_loss, line: { color: "#1f77b4" } },
        Object.assign(path, { x: t.x.slice(0, n), y: t.loss.slice(0, n) }),
        Object.assign(start, { x: [t.x[0]], y: [t.loss[0]] }),
      ];
      if (page.optimum) traces.push({ type: "scatter", mode: "markers", name: "best", x: [page.optimum.x], y: [page.optimum.loss], marker: { symbol: "x", size: 11, color: "#2ca02c" } });
      layout = { xaxis: axis(page.x_label, { range: [page.curve_x[0], page.curve_x[page.curve_x.length - 1]] }), yaxis: axis(page.loss_axis) };
    }
    Object.assign(layout, { title: { text: page.title, font: { size: 13 } }, dragmode: false, margin: { t: 40, r: 10, b: 45, l: 55 },
      legend: { orientation: "h", y: -0.18 }, uirevision: "landscape" });
    const w = t.x[last], b = page.kind === "grid" ? t.z[last] : 0;
    const xs = page.data.x, lo = Math.min(...xs), hi = Math.max(...xs);
    const dataTraces = [
      { type: "scatter", mode: "markers", name: "data", x: xs, y: page.data.y, marker: { color: "#1f77b4", size: xs.length > 50 ? 4 : 9 } },
      { type: "scatter", mode: "lines", name: `y = ${human(w)}·x + ${human(b)}`, x: [lo, hi], y: [w * lo + b, w * hi + b], line: { color: "#ff7f0e", width: 3 } },
    ];
    const hist = page.history[0], rate = page.history[1];
    const epochNow = t.epoch[last];
    const mark = [{ type: "line", xref: "x", yref: "paper", x0: epochNow, x1: epochNow, y0: 0, y1: 1, line: { color: "#888", dash: "dot" } }];
    const positive = hist.loss.every((v) => v > 0);
    $("epoch-label").textContent = `epoch ${epochNow}: A = ${human(w)}, b = ${human(b)}` + (scene.diverged ? " — " + scene.diverged : "");
    $("command").value = scene.command;
    $("state").textContent = JSON.stringify({ seq: shown, lr: scene.lr, bound: scene.bound, last: scene.last, path: t.x.length, frame, diverged: scene.diverged });
    const lrNow = scene.lr;
    $("lr").value = Math.log10(lrNow);
    $("lr-value").textContent = human(lrNow) + (scene.bound ? ` (stable < ${human(scene.bound)})` : "");
    return Promise.all([
      Plotly.react("landscape", traces, layout, config),
      Plotly.react("data", dataTraces, { title: { text: "the data and the line", font: { size: 13 } }, margin: { t: 40, r: 10, b: 45, l: 55 },
        xaxis: axis("x"), yaxis: axis("y"), legend: { orientation: "h", y: -0.18 }, uirevision: "data" }, config),
      Plotly.react("history", [{ type: "scatter", mode: "lines", name: "loss", x: hist.epoch, y: hist.loss, line: { color: "#ff7f0e" } }],
        { title: { text: "loss per epoch", font: { size: 13 } }, margin: { t: 40, r: 10, b: 45, l: 55 }, shapes: mark,
          xaxis: axis("epoch"), yaxis: axis(page.loss_axis, { type: positive ? "log" : "linear" }) }, config),
      Plotly.react("rate", [{ type: "scatter", mode: "lines", name: "lr", x: rate.epoch, y: rate.loss, line: { color: "#2ca02c", shape: "hv" } }],
        { title: { text: "learning rate per epoch", font: { size: 13 } }, margin: { t: 40, r: 10, b: 45, l: 55 }, shapes: mark,
          xaxis: axis("epoch"), yaxis: axis("lr", { range: [0, 1.1 * Math.max(...rate.loss)] }) }, config),
    ]);
  }

  // Dragging on the landscape moves the start, recomputing as it goes.
  function dragStart() {
    const el = $("landscape");
    let dragging = false;
    const move = (ev) => {
      if (!scene) return;
      const full = el._fullLayout, xa = full.xaxis, ya = full.yaxis;
      const box = el.getBoundingClientRect();
      const px = ev.clientX - box.left - xa._offset, py = ev.clientY - box.top - ya._offset;
      if (px < 0 || px > xa._length || py < 0 || py > ya._length) return;
      view.weight = Number(xa.p2l(px).toPrecision(4));
      if (scene.page.kind === "grid") view.bias = Number(ya.p2l(py).toPrecision(4));
      view.extent = scene.extent;
      showControls();
      recompute();
    };
    el.addEventListener("mousedown", (ev) => { dragging = true; move(ev); ev.preventDefault(); });
    window.addEventListener("mousemove", (ev) => { if (dragging) move(ev); });
    window.addEventListener("mouseup", () => { dragging = false; });
  }

  // Run, pause, step and reset replay the computed run epoch by epoch: the path grows.
  function playback() {
    const stop = () => { if (timer) { clearInterval(timer); timer = null; } };
    const advance = () => {
      if (!scene) return;
      const n = track().x.length;
      frame = Math.min((frame < 0 ? -1 : frame) + 1, n - 1);
      draw();
      if (frame >= n - 1) { stop(); frame = -1; }
    };
    $("run").onclick = () => { stop(); frame = 0; draw(); timer = setInterval(advance, 40); };
    $("pause").onclick = stop;
    $("step").onclick = () => { stop(); advance(); };
    $("reset").onclick = () => { stop(); frame = 0; draw(); };
  }

  function wire() {
    for (const el of document.querySelectorAll("[data-key]")) {
      el.addEventListener(el.tagName === "SELECT" || el.type === "checkbox" ? "change" : "input", () => {
        changedAt = performance.now();
        const key = el.dataset.key;
        let value = el.type === "checkbox" ? el.checked : parse(key, el.value);
        setField(key, value);
        // A new data set or loss has a new landscape: let the server frame it again.
        if (["data", "gen.n", "gen.noise", "gen.outliers", "gen.seed", "loss", "standardize", "pin_bias"].includes(key)) view.extent = null;
        if (key === "optimizer") view.lr = null;
        showControls();
        recompute();
      });
    }
    $("lr").addEventListener("input", () => {
      changedAt = performance.now();
      view.lr = Number(Math.pow(10, Number($("lr").value)).toPrecision(3));
      if (scene) view.extent = scene.extent;
      $("lr-value").textContent = human(view.lr);
      recompute();
    });
    $("copy").onclick = () => navigator.clipboard && navigator.clipboard.writeText($("command").value);
    $("png").onclick = () => Plotly.downloadImage("landscape", { format: "png", filename: "slope-landscape", width: 1000, height: 700 });
    dragStart();
    playback();
  }

  fetch("/api/info", { headers: headers() })
    .then((r) => r.json().then((body) => ({ status: r.status, body })))
    .then(({ status, body }) => {
      if (status !== 200) { $("error").textContent = body.error; return; }
      info = body;
      defaults = info.view;
      view = JSON.parse(JSON.stringify(defaults));
      if (info.file) view.data = "file";
      const fill = (key, names) => { $$(key).innerHTML = names.map((n) => `<option value="${n}">${n}</option>`).join(""); };
      const $$ = (key) => document.querySelector(`select[data-key="${key}"]`);
      const sources = ["lesson", "gen"];
      if (info.file) sources.unshift("file");
      fill("data", sources);
      for (const o of $$("data").options) o.textContent = o.value === "file" ? info.file.source : o.value === "gen" ? "a generated line" : "the lesson: one point (-3, 3)";
      fill("optimizer", info.optimizers);
      fill("loss", info.losses);
      fill("schedule", info.schedules);
      for (const [k, v] of params.entries()) {
        if (k === "token" || k === "hide") continue;
        if (k.startsWith("gen.") ? k.slice(4) in defaults.gen : k in defaults) setField(k, parse(k, v));
      }
      showControls();
      wire();
      recompute();
    })
    .catch((e) => { $("error").textContent = "the server did not answer: " + e; });
})();
