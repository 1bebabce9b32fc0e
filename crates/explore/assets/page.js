// The interactive page of `explore ... --plot FILE.html`: the loss (a rotatable 3-D surface
// and a heat map, or a curve), the training paths on it, the loss per epoch, and for the line
// the data with the current line, all moved together by an epoch slider. Reads its data from
// the JSON in <script id="slope-data">; draws with the vendored Plotly; makes no requests.
(function () {
  "use strict";
  const page = JSON.parse(document.getElementById("slope-data").textContent);
  const colours = ["#ff7f0e", "#e31a1c", "#ff00ff", "#000000", "#00c8ff", "#ffd700", "#8c564b", "#32cd32"];
  const config = { displaylogo: false, responsive: true };
  const tracks = page.tracks || [];
  const frames = Math.max(1, ...tracks.map((t) => t.x.length));
  const at = (t, k) => Math.min(k, t.x.length - 1);
  const hover = (t) => t.x.map((_, i) =>
    (page.kind === "grid" ? `${page.x_label} ${t.x[i]}<br>${page.z_label} ${t.z[i]}` : `${page.x_label} ${t.x[i]}`) +
    `<br>loss ${t.loss[i]}<br>epoch ${t.epoch[i]}`);
  const show = (id, on) => { const el = document.getElementById(id); if (el) el.style.display = on ? "" : "none"; };

  // The landscape: a 3-D surface and a heat map (a grid), or a curve.
  let marker3d = -1, markerMap = -1;
  if (page.kind === "grid") {
    const cellText = page.zs.map((z) => page.xs.map((x) => `${page.x_label} ${x}<br>${page.z_label} ${z}`));
    const surface = [{
      type: "surface", x: page.xs, y: page.zs, z: page.losses, colorscale: "Viridis", opacity: 0.95,
      text: cellText, hovertemplate: "%{text}<br>loss %{z}<extra></extra>", colorbar: { title: { text: "loss" } },
    }];
    const map = [{
      type: "heatmap", x: page.xs, y: page.zs, z: page.losses, colorscale: "Viridis",
      text: cellText, hovertemplate: "%{text}<br>loss %{z}<extra></extra>", colorbar: { title: { text: "loss" } },
    }];
    tracks.forEach((t, i) => {
      const c = colours[i % colours.length];
      surface.push({ type: "scatter3d", mode: "lines+markers", name: t.label, x: t.x, y: t.z, z: t.loss,
        line: { color: c, width: 5 }, marker: { size: 2, color: c }, text: hover(t), hovertemplate: "%{text}<extra></extra>" });
      map.push({ type: "scatter", mode: "lines+markers", name: t.label, x: t.x, y: t.z,
        line: { color: c, width: 2 }, marker: { size: 3, color: c }, text: hover(t), hovertemplate: "%{text}<extra></extra>" });
    });
    if (page.optimum) {
      const o = page.optimum;
      surface.push({ type: "scatter3d", mode: "markers", name: "closed-form optimum", x: [o.x], y: [o.z], z: [o.loss],
        marker: { symbol: "x", size: 6, color: "#000" }, hovertemplate: `optimum<br>loss ${o.loss}<extra></extra>` });
      map.push({ type: "scatter", mode: "markers", name: "closed-form optimum", x: [o.x], y: [o.z],
        marker: { symbol: "x", size: 12, color: "#fff", line: { width: 2 } }, hovertemplate: `optimum<br>loss ${o.loss}<extra></extra>` });
    }
    marker3d = surface.length;
    markerMap = map.length;
    tracks.forEach((t, i) => {
      const c = colours[i % colours.length];
      surface.push({ type: "scatter3d", mode: "markers", name: `${t.label} now`, showlegend: false,
        x: [t.x[0]], y: [t.z[0]], z: [t.loss[0]], marker: { size: 7, color: c, line: { color: "#fff", width: 2 } } });
      map.push({ type: "scatter", mode: "markers", name: `${t.label} now`, showlegend: false,
        x: [t.x[0]], y: [t.z[0]], marker: { size: 12, color: c, line: { color: "#fff", width: 2 } } });
    });
    Plotly.newPlot("surface", surface, {
      title: { text: page.title }, margin: { l: 0, r: 0, t: 40, b: 0 }, legend: { orientation: "h" },
      scene: { xaxis: { title: { text: page.x_label } }, yaxis: { title: { text: page.z_label } }, zaxis: { title: { text: page.loss_axis } } },
    }, config);
    Plotly.newPlot("map", map, {
      title: { text: page.title }, legend: { orientation: "h", y: -0.15 }, xaxis: { title: { text: page.x_label } }, yaxis: { title: { text: page.z_label } },
    }, config);
    show("map", false);
    document.getElementById("view").onclick = function () {
      const three = document.getElementById("surface").style.display !== "none";
      show("surface", !three);
      show("map", three);
      this.textContent = three ? "3-D surface" : "heat map";
      window.dispatchEvent(new Event("resize"));
    };
  } else {
    const curve = [{ type: "scatter", mode: "lines", name: "loss", x: page.curve_x, y: page.curve_loss,
      line: { color: "#1f77b4", width: 3 }, hovertemplate: `${page.x_label} %{x}<br>loss %{y}<extra></extra>` }];
    if (page.points_x) {
      curve.push({ type: "scatter", mode: "markers", name: "evaluated", x: page.points_x, y: page.points_loss,
        marker: { color: "#1f77b4", size: 6 } });
    }
    tracks.forEach((t, i) => {
      const c = colours[i % colours.length];
      curve.push({ type: "scatter", mode: "lines+markers", name: t.label, x: t.x, y: t.loss,
        line: { color: c }, marker: { size: 4, color: c }, text: hover(t), hovertemplate: "%{text}<extra></extra>" });
    });
    if (page.optimum) {
      curve.push({ type: "scatter", mode: "markers", name: "closed-form optimum", x: [page.optimum.x], y: [page.optimum.loss],
        marker: { symbol: "x", size: 12, color: "#2ca02c" } });
    }
    markerMap = curve.length;
    tracks.forEach((t, i) => {
      curve.push({ type: "scatter", mode: "markers", showlegend: false, x: [t.x[0]], y: [t.loss[0]],
        marker: { size: 12, color: colours[i % colours.length], line: { color: "#fff", width: 2 } } });
    });
    Plotly.newPlot("map", curve, { title: { text: page.title }, xaxis: { title: { text: page.x_label } },
      yaxis: { title: { text: page.loss_axis } } }, config);
    show("surface", false);
    show("view", false);
  }

  // The loss per epoch, with a line at the current epoch.
  const history = page.history || [];
  if (history.length) {
    Plotly.newPlot("history", history.map((h, i) => ({ type: "scatter", mode: "lines", name: h.label, x: h.epoch, y: h.loss,
      line: { color: colours[i % colours.length], width: 2 } })), {
      title: { text: "loss per epoch" }, xaxis: { title: { text: "epoch" } },
      yaxis: { title: { text: page.loss_axis }, type: page.log_history ? "log" : "linear" }, shapes: [],
    }, config);
  } else {
    show("history", false);
  }

  // For the line: the data, and the line of each run at the current epoch.
  const data = page.data;
  const lineOf = (t, k) => [t.x[at(t, k)], page.kind === "grid" ? t.z[at(t, k)] : 0];
  if (data) {
    const lo = Math.min(...data.x), hi = Math.max(...data.x);
    const span = hi > lo ? [lo, hi] : [-1.2 * Math.max(Math.abs(lo), 1), 1.2 * Math.max(Math.abs(lo), 1)];
    page.data_span = span;
    const traces = [{ type: "scatter", mode: "markers", name: "data", x: data.x, y: data.y, marker: { color: "#1f77b4", size: data.x.length > 20 ? 5 : 10 } }];
    tracks.forEach((t, i) => {
      const [w, b] = lineOf(t, 0);
      traces.push({ type: "scatter", mode: "lines", name: t.label, x: span, y: span.map((x) => w * x + b),
        line: { color: colours[i % colours.length], width: 3 } });
    });
    Plotly.newPlot("data", traces, { title: { text: "the data and the line" }, xaxis: { title: { text: "x" } }, yaxis: { title: { text: "y" } } }, config);
  } else {
    show("data", false);
  }

  // The slider: every view follows the current frame.
  const slider = document.getElementById("frame");
  slider.max = String(frames - 1);
  const state = { frame: 0, epoch: 0, points: [] };
  function setFrame(k) {
    k = Math.max(0, Math.min(frames - 1, Math.round(k)));
    slider.value = String(k);
    state.frame = k;
    state.points = tracks.map((t) => {
      const j = at(t, k);
      return { label: t.label, x: t.x[j], z: page.kind === "grid" ? t.z[j] : null, loss: t.loss[j], epoch: t.epoch[j] };
    });
    state.epoch = state.points.length ? Math.max(...state.points.map((p) => p.epoch)) : 0;
    tracks.forEach((t, i) => {
      const j = at(t, k);
      if (marker3d >= 0) Plotly.restyle("surface", { x: [[t.x[j]]], y: [[t.z[j]]], z: [[t.loss[j]]] }, [marker3d + i]);
      if (markerMap >= 0) Plotly.restyle("map", page.kind === "grid" ? { x: [[t.x[j]]], y: [[t.z[j]]] } : { x: [[t.x[j]]], y: [[t.loss[j]]] }, [markerMap + i]);
      if (data) {
        const [w, b] = lineOf(t, k);
        Plotly.restyle("data", { y: [page.data_span.map((x) => w * x + b)] }, [1 + i]);
      }
    });
    if (history.length) {
      Plotly.relayout("history", { shapes: [{ type: "line", xref: "x", yref: "paper", x0: state.epoch, x1: state.epoch, y0: 0, y1: 1, line: { color: "#888", dash: "dot" } }] });
    }
    document.getElementById("label").textContent = `epoch ${state.epoch}` +
      (state.points.length === 1 ? `: loss ${Number(state.points[0].loss.toPrecision(6))}` : "");
    document.getElementById("state").textContent = JSON.stringify(state);
  }
  slider.oninput = () => setFrame(Number(slider.value));
  let timer = null;
  const play = document.getElementById("play");
  play.onclick = () => {
    if (timer) { clearInterval(timer); timer = null; play.textContent = "play"; return; }
    if (Number(slider.value) >= frames - 1) setFrame(0);
    play.textContent = "pause";
    timer = setInterval(() => {
      if (Number(slider.value) >= frames - 1) { clearInterval(timer); timer = null; play.textContent = "play"; return; }
      setFrame(Number(slider.value) + 1);
    }, 80);
  };
  if (!tracks.length) { show("controls", false); }
  const wanted = /frame=(\d+)/.exec(window.location.hash);
  setFrame(wanted ? Number(wanted[1]) : 0);
  window.slope = { setFrame, state: () => JSON.parse(JSON.stringify(state)) };
})();
