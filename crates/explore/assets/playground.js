// The playground's page (`explore serve`): every control is a field of the view the server
// trains, the line, an MLP or a classifier (its URL holds them all, so a link shares the view);
// each change sends the view to /api/view/stream, draws the run's epochs as the server streams
// them, then the scene that ends the stream. A newer request supersedes an older one: the server
// stops the stale computation, and the page ignores a stale answer.
(function () {
  "use strict";
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  const client = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const hidden = new Set((params.get("hide") || "").split(",").filter(Boolean));
  const config = { displaylogo: false, responsive: true, displayModeBar: false };
  let defaults = null, info = null, view = null, scene = null, uploadClasses = 0;
  let seq = 0, shown = 0, inFlight = false, pending = false, changedAt = 0;
  let frame = -1, timer = null, paused = false;
  // The run the server is streaming, and whether a frame is asked to draw it.
  let live = { seq: 0, ticks: [], done: true }, liveQueued = false;
  // What was last drawn of the landscape and the data: kept (the same arrays) while the scene's
  // fingerprints say they are unchanged, so Plotly redraws only what moved.
  let grid = null, points = null;
  // What each plot shows now, to redraw only what changed.
  const drawn = { landscape: null, data: null };
  // Input-to-redraw times of the last changes (ms), and the requests' share of each, read by
  // the browser test.
  window.slopeTimings = [];
  window.slopeRequests = [];
  window.slopeComputes = [];

  const $ = (id) => document.getElementById(id);
  // The generated sets of labelled classes, and each set's noise (the page's defaults).
  const CLASSES = ["moons", "circles", "xor", "spiral", "blobs"];
  const NOISE = { line: 3, sine: 0.1, moons: 0.1, circles: 0.05, xor: 0, spiral: 0, blobs: 1 };
  const human = (v) => (v === null || v === undefined) ? "" : Number(v.toPrecision(4)).toString();

  const axis = (title, extra) => Object.assign({ title: { text: title }, zeroline: false }, extra || {});
  // A loss axis: logarithmic where every loss is positive, labelled at powers of ten alone once
  // it spans two of them, else at 2 and 5 too (every digit between crowds it).
  function lossAxis(title, losses) {
    let lo = Infinity, hi = -Infinity;
    for (const v of losses) { if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
    // Within a decade a log scale shows little; the linear one reads as it is.
    if (!(lo > 0) || hi / lo < 10) return axis(title, { type: "linear" });
    // Ticks at 1, 2 and 5 times the powers of ten (the powers alone past two decades), each
    // labelled in full: a lone "5" reads as a loss of 5.
    const steps = hi / lo >= 100 ? [1] : [1, 2, 5], tickvals = [];
    for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
      for (const m of steps) tickvals.push(Number((m * Math.pow(10, k)).toPrecision(1)));
    }
    const label = (v) => v >= 1e-3 && v < 1e5 ? String(v) : v.toExponential(0).replace("e+", "e");
    return axis(title, { type: "log", tickmode: "array", tickvals, ticktext: tickvals.map(label) });
  }

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
    if (key === "hidden" || key === "milestones") return text.split(/[\s,]+/).filter((h) => h).map(Number);
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
    const mlp = view.model === "mlp", cls = classes() > 0;
    const uses = {
      hidden: mlp, activation: mlp,
      pin_bias: !mlp && !cls, standardize: !mlp || cls, weight: !mlp, batch_size: !mlp || cls,
      val_split: true, "gen-classes": cls && ["blobs", "spiral"].includes(view.gen.kind),
      "gen-outliers": view.data === "gen" && !cls,
      momentum: ["momentum", "nesterov"].includes(view.optimizer),
      beta1: ["adam", "adamw"].includes(view.optimizer),
      beta2: ["adam", "adamw", "rmsprop"].includes(view.optimizer) && view.optimizer !== "rmsprop",
      delta: view.loss === "huber",
      beta: view.loss === "smooth-l1",
      shuffle: (!mlp || cls) && view.batch_size !== null,
      step_size: view.schedule === "step",
      gamma: ["step", "exponential", "multistep"].includes(view.schedule),
      milestones: view.schedule === "multistep",
      factor: view.schedule === "plateau", patience: view.schedule === "plateau",
      t_max: view.schedule === "cosine",
      warmup: !["onecycle", "plateau"].includes(view.schedule),
      bias: !mlp && (cls || !(view.pin_bias === null ? view.data === "lesson" : view.pin_bias)),
    };
    // A setting whose control is hidden does not apply: it goes back to its default, so that
    // the view (and its link and command) never carries one the page does not show.
    for (const [k, on] of Object.entries(uses)) {
      const key = k.startsWith("gen-") ? "gen." + k.slice(4) : k;
      if (!on && key !== "bias" && getField(key) !== undefined) setField(key, key.startsWith("gen.") ? defaults.gen[key.slice(4)] : defaults[key]);
    }
    if (!uses.bias) view.bias = defaults.bias;
    // On classes the linear model is logistic (or softmax) regression, its start every weight's.
    document.querySelector("select[data-key='model'] option[value='line']").textContent = cls ? "linear: logistic or softmax regression" : "the line y = A·x + b";
    $("c-weight").firstChild.textContent = cls ? "start weights " : "start A ";
    $("c-bias").firstChild.textContent = cls ? "start bias " : "start b ";
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
    for (const el of document.querySelectorAll("[data-gen]")) el.classList.toggle("hidden", view.data !== "gen");
    for (const [k, on] of Object.entries(uses)) $("c-" + k).classList.toggle("hidden", !on);
    // A group's name hides the group (`optimizer`: every optimizer setting), else a control's.
    for (const h of hidden) {
      const el = $("f-" + h) || $("c-" + h);
      if (el) el.classList.add("hidden");
      if (h === "lr") $("lr-value").classList.add("hidden");
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
    // The grid and the data the page holds are not sent again while they stay the same.
    const sent = Object.assign({}, view, { held: grid && points ? [grid.id, points.id] : null });
    // A pause holds the run that was streaming; this one is drawn as it comes.
    paused = false;
    const run = live = { seq: mine, ticks: [], done: false };
    fetch("/api/view/stream", { method: "POST", headers: headers(), body: JSON.stringify(sent) })
      .then((r) => r.status === 200 ? readStream(r, run) : r.json().then((body) => ({ status: r.status, body })))
      .then(({ status, body, timing }) => {
        run.done = true;
        if (status === 409 || mine < shown) return;
        if (status !== 200) {
          $("error").textContent = body.error || ("the server answered " + status);
          $("status").textContent = "";
          // What is drawn is no longer the view asked for: faded, and no command for it.
          $("plots").classList.toggle("stale", !run.ticks.length);
          $("command").value = "";
          // A run that trained and then failed (it diverged) shows how far it went, and no
          // longer the last run's pictures.
          if (run.ticks.length) {
            shown = mine;
            $("epoch-label").textContent = "";
            drawLive(run);
            blank("landscape", "no landscape: the run failed (the message above says why)");
            blank("data", "");
          }
          return;
        }
        shown = mine;
        $("error").textContent = "";
        if (grid && grid.id === body.grid_id) {
          for (const k of ["xs", "zs", "losses", "curve_x", "curve_loss"]) body.page[k] = grid.page[k];
        } else {
          grid = { id: body.grid_id, page: body.page };
        }
        if (points && points.id === body.data_id) body.page.data = points.data;
        else points = { id: body.data_id, data: body.page.data };
        scene = body;
        scene.streamed = run.ticks.length;
        $("plots").classList.remove("stale");
        // A link to an upload of classes says so only by its scene: its controls follow.
        if (view.data === "upload" && scene.classes && !uploadClasses) {
          uploadClasses = scene.classes.classes.length;
          showControls();
        }
        const server = performance.now() - started;
        return draw().then(() => {
          const total = performance.now() - changedAt;
          window.slopeTimings.push(total);
          window.slopeRequests.push(server);
          if (timing !== undefined) window.slopeComputes.push(timing);
          $("status").textContent = `${scene.points} point${scene.points === 1 ? "" : "s"} · redrawn ${total.toFixed(0)} ms after the change (the request took ${server.toFixed(0)} ms)`;
        });
      })
      .catch((e) => { $("error").textContent = "the server did not answer: " + e; })
      .finally(() => {
        run.done = true;
        inFlight = false;
        if (pending) { pending = false; recompute(); } else { changedAt = 0; }
      });
  }

  // Reads a run as the server streams it: its epochs as they are trained (drawn as they come),
  // then its scene, or why there is none.
  function readStream(response, run) {
    const reader = response.body.getReader(), decoder = new TextDecoder();
    let text = "";
    const next = () => reader.read().then(({ done, value }) => {
      text += decoder.decode(value || new Uint8Array(), { stream: !done });
      const lines = text.split("\n");
      text = lines.pop();
      for (const line of lines) {
        if (!line) continue;
        const m = JSON.parse(line);
        if (m.scene) return { status: 200, body: m.scene, timing: m.compute_ms };
        if (m.error) return { status: 400, body: m };
        if (m.stale) return { status: 409, body: m };
        run.ticks.push(m);
        if (!liveQueued) { liveQueued = true; requestAnimationFrame(() => drawLive()); }
      }
      if (done) throw new Error("the run's stream ended early");
      return next();
    });
    return next();
  }

  // The run being trained, drawn as it streams in: its loss (and accuracy) per epoch so far,
  // and the line where it is now. The scene, once it comes, replaces it.
  function drawLive(ended) {
    liveQueued = false;
    const run = ended || live, t = run.ticks;
    if ((run.done || paused) && !ended) return;
    if (!t.length || run.seq < shown) return;
    const now = t[t.length - 1], epochs = t.map((k) => k.epoch);
    window.slopeLiveDraws = (window.slopeLiveDraws || 0) + 1;
    const trained = now.epoch >= view.epochs && (view.model === "mlp" || classes() > 0);
    if (!ended) $("status").textContent = `training: epoch ${now.epoch} of ${view.epochs}, loss ${human(now.loss)}` + (now.accuracy === undefined ? "" : `, accuracy ${human(now.accuracy)}`)
      + (trained ? " · trained; drawing the landscape around where it ended…" : "");
    const pick = (key) => t.map((k) => k[key]);
    const title = ended ? `the loss per epoch, until the run failed at epoch ${now.epoch}` : `training: epoch ${now.epoch} of ${view.epochs}`;
    // An MLP's or a classifier's pictures are of where its run ends: the last run's would
    // mislead beside this one's curves.
    if ((view.model === "mlp" || classes() > 0) && !run.blanked && !ended) {
      run.blanked = true;
      blank("landscape", "the landscape comes when training ends: a plane through where it ended");
      blank("data", classes() > 0 ? "the classes and the boundary come when training ends" : "the network's curve comes when training ends");
    }
    // A few epochs (a run that soon diverged) are marked, to be seen.
    drawCurves({
      epoch: epochs, loss: pick("loss"), val: now.val_loss === undefined ? null : { epoch: epochs, loss: pick("val_loss") },
      accuracy: now.accuracy === undefined ? null : pick("accuracy"), val_accuracy: now.val_accuracy === undefined ? null : pick("val_accuracy"),
    }, { title, name: now.accuracy === undefined ? "loss" : view.loss, range: [0, view.epochs], markers: t.length < 30 });
    // The line moves over the data it was drawn on.
    if (now.weight !== undefined && drawn.data && scene && !scene.fit && !scene.classes) {
      Plotly.relayout("data", { shapes: [lineShape(scene.page.data.x, now.weight, now.bias)] });
    }
  }

  // The line y = w·x + b across the data's x `xs`, and a little around a single point.
  function lineShape(xs, w, b) {
    const x0 = Math.min(...xs), x1 = Math.max(...xs);
    const pad = x1 > x0 ? 0.05 * (x1 - x0) : Math.max(1, Math.abs(x0)), lo = x0 - pad, hi = x1 + pad;
    return { type: "line", xref: "x", yref: "y", x0: lo, x1: hi, y0: w * lo + b, y1: w * hi + b, line: { color: "#ff7f0e", width: 3 } };
  }

  function track() { return scene.page.tracks[0]; }

  // An empty plot with a word in its middle.
  function blank(id, text) {
    drawn[id] = null;
    const hide = { visible: false };
    return Plotly.react(id, [], { xaxis: hide, yaxis: hide, margin: { t: 40, r: 10, b: 45, l: 55 },
      annotations: text ? [{ text, showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5, font: { color: "#888" } }] : [] }, config);
  }

  // Draws the scene: the landscape with the path, the data with the line, the loss and rate.
  function draw() {
    const page = scene.page, t = track();
    const n = frame < 0 ? t.x.length : Math.min(frame + 1, t.x.length);
    const last = n - 1;
    // The landscape's traces stay the same while the grid does; the path, the start and the
    // point now are shapes, so a new path redraws only them (not the heat map and contours).
    // An MLP's and a classifier's landscapes are planes through where training ended.
    const isGrid = page.kind === "grid", mlp = !!scene.fit, cls = scene.classes, plane = mlp || !!cls;
    const ys = isGrid ? t.z : t.loss;
    const xr = isGrid ? [page.xs[0], page.xs[page.xs.length - 1]] : [page.curve_x[0], page.curve_x[page.curve_x.length - 1]];
    // A path that leaves the view (a divergence) is drawn to its edge, not to 1e30.
    const clamp = (v, lo, hi) => Math.max(lo - 10 * (hi - lo), Math.min(hi + 10 * (hi - lo), v));
    const yr = isGrid ? [page.zs[0], page.zs[page.zs.length - 1]] : [0, Math.max(...page.curve_loss)];
    const pts = [];
    for (let i = 0; i < n; i++) pts.push(clamp(t.x[i], xr[0], xr[1]) + "," + clamp(ys[i], yr[0], yr[1]));
    const dot = (x, y, size, colour, width, fill) => ({ type: "circle", xref: "x", yref: "y", xsizemode: "pixel", ysizemode: "pixel",
      xanchor: clamp(x, xr[0], xr[1]), yanchor: clamp(y, yr[0], yr[1]), x0: -size, x1: size, y0: -size, y1: size,
      line: { color: colour, width }, fillcolor: fill });
    const shapes = [
      { type: "path", xref: "x", yref: "y", path: "M" + pts.join("L"), line: { color: "#ff7f0e", width: 2 } },
      dot(t.x[last], ys[last], 5, "#ff7f0e", 1, "#ff7f0e"),
      dot(t.x[0], ys[0], 8, "#d62728", 3, "rgba(0,0,0,0)"),
    ];
    let traces, layout;
    if (isGrid) {
      traces = [
        { type: "heatmap", x: page.xs, y: page.zs, z: page.losses, colorscale: "Viridis", colorbar: { title: { text: "loss" } }, showlegend: false,
          hovertemplate: `${plane ? "α" : "A"} %{x:.4g}<br>${plane ? "β" : "b"} %{y:.4g}<br>loss %{z:.4g}<extra></extra>` },
        { type: "contour", x: page.xs, y: page.zs, z: page.losses, showscale: false, showlegend: false, hoverinfo: "skip",
          contours: { coloring: "none" }, line: { color: "rgba(255,255,255,0.45)", width: 1 }, ncontours: 18 },
      ];
      if (page.optimum) traces.push({ type: "scatter", mode: "markers", name: "best line", x: [page.optimum.x], y: [page.optimum.z], marker: { symbol: "x", size: 11, color: "white" } });
      layout = { xaxis: axis(page.x_label, { range: xr }), yaxis: axis(page.z_label, { range: yr }) };
    } else {
      traces = [{ type: "scatter", mode: "lines", name: "loss", x: page.curve_x, y: page.curve_loss, line: { color: "#1f77b4" } }];
      if (page.optimum) traces.push({ type: "scatter", mode: "markers", name: "best", x: [page.optimum.x], y: [page.optimum.loss], marker: { symbol: "x", size: 11, color: "#2ca02c" } });
      layout = { xaxis: axis(page.x_label, { range: xr }), yaxis: axis(page.loss_axis) };
    }
    const legend = plane ? "orange: the descent, projected on a plane of two random directions through where it ended · red ring: its start"
      : "orange: the descent · red ring: its start (drag it) · ×: the best line";
    Object.assign(layout, { title: { text: page.title + `<br><sub>${legend}</sub>`, font: { size: 13 } },
      dragmode: false, margin: { t: 55, r: 10, b: 45, l: 55 }, showlegend: false, shapes, uirevision: "landscape" });
    const w = t.x[last], b = page.kind === "grid" ? t.z[last] : 0;
    const xs = cls ? [] : page.data.x;
    // The points are one trace that stays the same; the line is a shape, so moving it redraws
    // only the shape, not thousands of points.
    const dataTraces = [
      { type: "scatter", mode: "markers", name: "data", x: xs, y: cls ? [] : page.data.y, marker: { color: "#1f77b4", size: xs.length > 50 ? 4 : 9 } },
    ];
    // The points a validation share held out, as rings: the line or curve never saw them.
    const held = scene.held_out;
    if (held) dataTraces.push({ type: "scatter", mode: "markers", name: "held out", x: held[0], y: held[1],
      marker: { symbol: "circle-open", color: "#d62728", size: held[0].length > 50 ? 5 : 9, line: { width: 1.5 } } });
    // The line from its (A, b) now; the MLP's curve, as trained.
    const fitted = mlp
      ? [{ type: "path", xref: "x", yref: "y", path: "M" + scene.fit[0].map((x, i) => x + "," + scene.fit[1][i]).join("L"), line: { color: "#ff7f0e", width: 3 } }]
      : [lineShape(xs, w, b)];
    const hist = page.history[0], rate = page.history.find((h) => h.label === "lr");
    const val = page.history.find((h) => h.label === "validation loss");
    const epochNow = t.epoch[last];
    const mark = [{ type: "line", xref: "x", yref: "paper", x0: epochNow, x1: epochNow, y0: 0, y1: 1, line: { color: "#888", dash: "dot" } }];
    const now = cls && classFrame(cls, epochNow);
    $("epoch-label").textContent = (cls ? `epoch ${now.epoch}: loss ${human(now.loss)}, accuracy ${human(now.accuracy)}` : mlp ? `epoch ${epochNow}: α = ${human(w)}, β = ${human(b)}, loss ${human(t.loss[last])}` : `epoch ${epochNow}: A = ${human(w)}, b = ${human(b)}`) + (scene.diverged ? " — " + scene.diverged : "");
    $("command").value = scene.command;
    $("state").textContent = JSON.stringify({ seq: shown, model: view.model, lr: scene.lr, bound: scene.bound, last: scene.last, path: t.x.length, frame, diverged: scene.diverged, streamed: scene.streamed,
      start: [t.x[0], page.kind === "grid" ? t.z[0] : 0], end: [t.x[t.x.length - 1], page.kind === "grid" ? t.z[t.z.length - 1] : 0] });
    const lrNow = scene.lr;
    $("lr").value = Math.log10(lrNow);
    $("lr-value").textContent = human(lrNow) + (scene.bound ? ` (stable < ${human(scene.bound)})` : "");
    // Each plot's redraw (ms), read by the browser test.
    const timed = (name, draw) => {
      const t0 = performance.now();
      const done = draw();
      (window.slopeDraws = window.slopeDraws || []).push([name, performance.now() - t0]);
      return done;
    };
    // Where only the shapes moved (the same grid, the same data), only they are redrawn.
    const landKey = [grid ? grid.id : "", page.title, page.kind, JSON.stringify(page.optimum)].join("|");
    const dataKey = (points ? points.id : "") + "|" + (mlp ? "mlp" : "line") + "|" + (held ? held[0].length : 0);
    return Promise.all([
      timed("landscape", () => drawn.landscape === landKey
        ? Plotly.relayout("landscape", { shapes })
        : Plotly.react("landscape", traces, layout, config)),
      timed("data", () => cls ? drawClassMap(cls, now) : drawn.data === dataKey
        ? Plotly.relayout("data", { shapes: fitted })
        : Plotly.react("data", dataTraces, { title: { text: (mlp ? "the data and the trained MLP (orange)" : "the data and the line (orange)") + (held ? "; red rings: held out" : ""), font: { size: 13 } }, margin: { t: 40, r: 10, b: 45, l: 55 },
          xaxis: axis("x"), yaxis: axis("y"), showlegend: false, shapes: fitted, uirevision: "data" }, config)),
      // The line's run has its rate per epoch; the MLP's landscape records the loss only.
      timed("history", () => cls ? drawClassCurves(cls, mark) : drawCurves({ epoch: hist.epoch, loss: hist.loss, val, rate },
        { title: rate ? "the loss and the learning rate per epoch" : "the loss per epoch", name: page.loss_axis || "loss", mark })),
    ]).then(() => { drawn.landscape = landKey; drawn.data = cls ? null : dataKey; });
  }

  // How many classes the view's points have: 0 for points `x, y` (a regression's).
  function classes() {
    if (view.data === "gen" && CLASSES.includes(view.gen.kind)) return view.gen.classes || (view.gen.kind === "blobs" ? 3 : 2);
    if (view.data === "file" && info.file) return info.file.classes;
    if (view.data === "upload") return uploadClasses;
    return 0;
  }

  // A loss that fits the points: a classifier's for classes (cross-entropy past two), a
  // regression's for points.
  function fitLoss() {
    const k = classes(), classifying = ["bce-logits", "cross-entropy"].includes(view.loss);
    if (k > 0 && (!classifying || (k > 2 && view.loss !== "cross-entropy"))) view.loss = k > 2 ? "cross-entropy" : "bce-logits";
    if (k === 0 && classifying) view.loss = "mse";
  }

  // A classifier's kept epoch at or before `epoch` (its page keeps a few dozen).
  function classFrame(cls, epoch) {
    let k = 0;
    cls.frames.forEach((f, i) => { if (f.epoch <= epoch) k = i; });
    return cls.frames[k];
  }

  // A classifier's map at frame `f`, as its --plot page draws it: the picture of its classes,
  // the boundary, the points by class.
  function drawClassMap(cls, f) {
    const [x0, x1, y0, y1] = cls.extent;
    const traces = [{ type: "scatter", mode: "lines", name: "boundary", x: f.boundary_x, y: f.boundary_y,
      line: { color: "#000", width: 2 }, hoverinfo: "skip", connectgaps: false }];
    cls.classes.forEach((c) => traces.push({ type: "scatter", mode: "markers", name: c.name, x: c.x, y: c.y,
      marker: { size: c.x.length > 500 ? 4 : 6, color: c.colour, line: { color: "#000", width: 1 } } }));
    const images = f.image ? [{ source: f.image, xref: "x", yref: "y", x: x0, y: y1, sizex: x1 - x0, sizey: y1 - y0, sizing: "stretch", layer: "below" }] : [];
    return Plotly.react("data", traces, { title: { text: cls.title, font: { size: 13 } }, images, margin: { t: 40, r: 10, b: 45, l: 55 },
      xaxis: { title: { text: cls.x_label }, range: [x0, x1], showgrid: false, zeroline: false },
      yaxis: { title: { text: cls.y_label }, range: [y0, y1], showgrid: false, zeroline: false },
      legend: { orientation: "h", y: -0.18 }, uirevision: "classes" }, config);
  }

  // A classifier's loss and accuracy per epoch, on the training points and, when some are held
  // out, on the validation points: where they part is overfitting.
  function drawClassCurves(cls, mark) {
    const val = cls.val_losses.length > 0;
    return drawCurves({ epoch: cls.epoch, loss: cls.losses, val: val ? { epoch: cls.epoch, loss: cls.val_losses } : null,
      accuracy: cls.accuracy, val_accuracy: val ? cls.val_accuracy : null },
    { title: `the ${cls.loss} and the accuracy per epoch` + (val ? " (dashed: the validation points)" : ""), name: cls.loss, mark });
  }

  // The loss per epoch (`s.epoch`, `s.loss`), and on the validation points (`s.val`), with a
  // classifier's accuracy or the line's learning rate (`s.rate`) on a second axis: what a run
  // drew, or what has streamed in of one that trains.
  function drawCurves(s, { title, name, mark, range, markers }) {
    const mode = markers ? "lines+markers" : "lines";
    const traces = [{ type: "scatter", mode, name: s.val ? "training loss" : "loss", x: s.epoch, y: s.loss, line: { color: "#ff7f0e" } }];
    if (s.val) traces.push({ type: "scatter", mode, name: "validation loss", x: s.val.epoch, y: s.val.loss, line: { color: "#ff7f0e", dash: "dash" } });
    let second = {};
    if (s.accuracy) {
      traces.push({ type: "scatter", mode: "lines", name: "training accuracy", x: s.epoch, y: s.accuracy, yaxis: "y2", line: { color: "#2ca02c" } });
      if (s.val_accuracy) traces.push({ type: "scatter", mode: "lines", name: "validation accuracy", x: s.epoch, y: s.val_accuracy, yaxis: "y2", line: { color: "#2ca02c", dash: "dash" } });
      second = axis("accuracy", { overlaying: "y", side: "right", range: [0, 1.02], tickvals: [0, 0.2, 0.4, 0.6, 0.8, 1], showgrid: false, tickfont: { color: "#2ca02c" } });
    } else if (s.rate) {
      traces.push({ type: "scatter", mode: "lines", name: "learning rate", x: s.rate.epoch, y: s.rate.loss, yaxis: "y2", line: { color: "#2ca02c", shape: "hv" } });
      second = axis("learning rate", { overlaying: "y", side: "right", showgrid: false, tickmode: "auto", nticks: 5,
        range: [0, 1.1 * Math.max(...s.rate.loss)], tickfont: { color: "#2ca02c" } });
    }
    // The names go under the plot, clear of its title.
    return Plotly.react("history", traces, Object.assign({ title: { text: title, font: { size: 13 } },
      margin: { t: 40, r: 60, b: 80, l: 55 }, shapes: mark || [], legend: { orientation: "h", x: 0, y: -0.3 },
      xaxis: axis("epoch", range ? { range } : {}), yaxis: lossAxis(name, s.loss.concat(s.val ? s.val.loss : [])) },
    s.accuracy || s.rate ? { yaxis2: second } : {}), config);
  }

  // Dragging on the landscape moves the start, recomputing as it goes.
  function dragStart() {
    const el = $("landscape");
    let dragging = false;
    const move = (ev) => {
      // The MLP starts where its seed puts it; only the line's start is dragged.
      if (!scene || scene.fit || scene.classes) return;
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
    // While a run streams in, pause holds its drawing where it is; run goes on with it.
    const streaming = () => !live.done;
    $("run").onclick = () => { stop(); paused = false; if (streaming()) return drawLive(); frame = 0; draw(); timer = setInterval(advance, 40); };
    $("pause").onclick = () => { stop(); paused = true; };
    $("step").onclick = () => { stop(); paused = false; advance(); };
    $("reset").onclick = () => { stop(); paused = false; frame = 0; draw(); };
  }

  function wire() {
    for (const el of document.querySelectorAll("[data-key]")) {
      el.addEventListener(el.tagName === "SELECT" || el.type === "checkbox" ? "change" : "input", () => {
        changedAt = performance.now();
        const key = el.dataset.key;
        let value = el.type === "checkbox" ? el.checked : parse(key, el.value);
        setField(key, value);
        // A new data set or loss has a new landscape: let the server frame it again.
        if (["data", "gen.kind", "gen.n", "gen.noise", "gen.outliers", "gen.seed", "loss", "standardize", "pin_bias", "model", "hidden", "activation"].includes(key)) view.extent = null;
        if (key === "optimizer" || key === "data" || key === "model") view.lr = null;
        // Each set's noise on its own scale; classes take a classifier's loss, points a
        // regression's.
        if (key === "gen.kind") {
          view.gen.noise = NOISE[value];
          view.gen.classes = null;
          view.lr = null;
        }
        if (["data", "gen.kind", "gen.classes"].includes(key)) fitLoss();
        // Milestones to start from: a third and two thirds of the run.
        if (key === "schedule" && value === "multistep" && !view.milestones.length) {
          view.milestones = [Math.max(1, Math.round(view.epochs / 3)), Math.max(2, Math.round(2 * view.epochs / 3))];
        }
        // The MLP's landscape trains with Adam by default (`explore landscape`), the line SGD.
        if (key === "model") {
          view.optimizer = value === "mlp" ? "adam" : defaults.optimizer;
          // The line's own settings go back to their defaults: the MLP has none of them.
          for (const k of ["weight", "bias", "batch_size", "standardize", "pin_bias"]) view[k] = defaults[k];
          fitLoss();
        }
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
    $("upload").addEventListener("change", () => {
      const file = $("upload").files[0];
      if (!file) return;
      const q = new URLSearchParams({ name: file.name, x: $("upload-x").value || "x", y: $("upload-y").value || "y" });
      $("status").textContent = `uploading ${file.name}…`;
      const h = token ? { "x-slope-token": token } : {};
      fetch("/api/upload?" + q.toString(), { method: "POST", headers: h, body: file })
        .then((r) => r.json().then((body) => ({ status: r.status, body })))
        .then(({ status, body }) => {
          if (status !== 200) { $("error").textContent = body.error; $("status").textContent = ""; return; }
          addSource("upload", body.source + (body.classes ? ` (${body.classes} classes)` : ` (${body.points} points)`));
          view.data = "upload";
          view.upload = body.id;
          uploadClasses = body.classes;
          fitLoss();
          view.extent = null;
          view.lr = null;
          changedAt = performance.now();
          showControls();
          recompute();
        })
        .catch((e) => { $("error").textContent = "the upload failed: " + e; });
    });
    $("copy").onclick = () => navigator.clipboard && navigator.clipboard.writeText($("command").value);
    $("png").onclick = () => Plotly.downloadImage("landscape", { format: "png", filename: "slope-landscape", width: 1000, height: 700 });
    $("params").onclick = () => download("/api/view/params", classes() > 0 ? "classifier.safetensors" : view.model === "mlp" ? "mlp.safetensors" : "line.safetensors");
    $("gif").onclick = () => download("/api/view/gif", "run.gif");
    dragStart();
    playback();
  }

  // Asks the server for a file of the current view (the trained parameters, the run as a GIF:
  // what the exported command's --save and --animate write) and saves it.
  function download(path, name) {
    $("status").textContent = `making ${name}…`;
    const h = headers();
    delete h["x-slope-client"];
    fetch(path, { method: "POST", headers: h, body: JSON.stringify(Object.assign({}, view, { held: null })) })
      .then((r) => r.ok ? r.blob() : r.json().then((body) => { throw new Error(body.error); }))
      .then((blob) => {
        const a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = name;
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 10000);
        $("status").textContent = `saved ${name}`;
        $("error").textContent = "";
      })
      .catch((e) => { $("error").textContent = e.message; $("status").textContent = ""; });
  }

  // Adds (or renames) a choice of data.
  function addSource(value, label) {
    const select = document.querySelector('select[data-key="data"]');
    let option = [...select.options].find((o) => o.value === value);
    if (!option) { option = document.createElement("option"); option.value = value; select.appendChild(option); }
    option.textContent = label;
  }

  fetch("/api/info", { headers: headers() })
    .then((r) => r.json().then((body) => ({ status: r.status, body })))
    .then(({ status, body }) => {
      if (status !== 200) { $("error").textContent = body.error; return; }
      info = body;
      defaults = info.view;
      view = JSON.parse(JSON.stringify(defaults));
      if (info.file) view.data = "file";
      if (info.file && info.file.classes) view.loss = info.file.classes > 2 ? "cross-entropy" : "bce-logits";
      const fill = (key, names) => { $$(key).innerHTML = names.map((n) => `<option value="${n}">${n}</option>`).join(""); };
      const $$ = (key) => document.querySelector(`select[data-key="${key}"]`);
      const sources = ["lesson", "gen"];
      if (info.file) sources.unshift("file");
      fill("data", sources);
      for (const o of $$("data").options) o.textContent = o.value === "file" ? info.file.source : o.value === "gen" ? "a generated set" : "the lesson: one point (-3, 3)";
      fill("optimizer", info.optimizers);
      fill("loss", info.losses);
      fill("schedule", info.schedules);
      for (const [k, v] of params.entries()) {
        if (k === "token" || k === "hide") continue;
        if (k.startsWith("gen.") ? k.slice(4) in defaults.gen : k in defaults) setField(k, parse(k, v));
      }
      if (view.data === "upload") addSource("upload", "your file (upload it again if the server restarted)");
      showControls();
      wire();
      recompute();
    })
    .catch((e) => { $("error").textContent = "the server did not answer: " + e; });
})();
