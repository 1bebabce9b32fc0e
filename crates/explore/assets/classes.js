// The interactive page of a classifier (`explore train --x f1,f2 --plot FILE.html`): the map of
// the model's classes at each kept epoch (a picture), its boundary and the points by class, and
// the loss and the accuracy per epoch, all moved together by an epoch slider. Reads its data from
// the JSON in <script id="slope-data">; draws with the vendored Plotly; makes no requests.
(function () {
  "use strict";
  const page = JSON.parse(document.getElementById("slope-data").textContent);
  const config = { displaylogo: false, responsive: true };
  const frames = page.frames;
  const [x0, x1, y0, y1] = page.extent;
  const picture = (f) => !f.image ? [] : [{
    source: f.image, xref: "x", yref: "y", x: x0, y: y1, sizex: x1 - x0, sizey: y1 - y0,
    sizing: "stretch", layer: "below",
  }];

  // The map: the picture below, the boundary, the points by class on top.
  const map = [{
    type: "scatter", mode: "lines", name: "boundary", x: frames[0].boundary_x, y: frames[0].boundary_y,
    line: { color: "#000", width: 2 }, hoverinfo: "skip", connectgaps: false,
  }];
  page.classes.forEach((c) => map.push({
    type: "scatter", mode: "markers", name: c.name, x: c.x, y: c.y,
    marker: { size: 7, color: c.colour, line: { color: "#000", width: 1 } },
    hovertemplate: `${c.name}<br>${page.x_label} %{x}<br>${page.y_label} %{y}<extra></extra>`,
  }));
  Plotly.newPlot("map", map, {
    title: { text: page.title, font: { size: 14 } }, images: picture(frames[0]), legend: { orientation: "h", y: -0.12 },
    xaxis: { title: { text: page.x_label }, range: [x0, x1], showgrid: false, zeroline: false },
    yaxis: { title: { text: page.y_label }, range: [y0, y1], showgrid: false, zeroline: false },
  }, config);

  // The loss and the accuracy per epoch (on the validation points too, when there are some),
  // the current epoch marked.
  const panel = (id, y, val, title, range) => Plotly.newPlot(id, [
    ["training", y, "#1f77b4"], ["validation", val, "#e31a1c"],
  ].filter(([, ys]) => ys.length > 0).map(([name, ys, color]) => ({
    type: "scatter", mode: "lines", name: name, x: page.epoch, y: ys, line: { color: color, width: 2 },
    hovertemplate: `epoch %{x}<br>${name} ${title} %{y}<extra></extra>`,
  })), {
    title: { text: `${title} per epoch` }, showlegend: val.length > 0, margin: { t: 40 },
    legend: { orientation: "h", y: -0.25 },
    xaxis: { title: { text: "epoch" } }, yaxis: { title: { text: title }, range: range },
  }, { ...config, displayModeBar: false });
  panel("loss", page.losses, page.val_losses, page.loss, undefined);
  panel("accuracy", page.accuracy, page.val_accuracy, "accuracy", [0, 1.02]);

  const slider = document.getElementById("frame");
  slider.max = String(frames.length - 1);
  const state = { frame: 0, epoch: 0, loss: 0, accuracy: 0 };
  function setFrame(k) {
    k = Math.max(0, Math.min(frames.length - 1, Math.round(k)));
    const f = frames[k];
    slider.value = String(k);
    Object.assign(state, { frame: k, epoch: f.epoch, loss: f.loss, accuracy: f.accuracy });
    Plotly.update("map", { x: [f.boundary_x], y: [f.boundary_y] }, { images: picture(f) }, [0]);
    const mark = { shapes: [{ type: "line", xref: "x", yref: "paper", x0: f.epoch, x1: f.epoch, y0: 0, y1: 1, line: { color: "#888", dash: "dot" } }] };
    Plotly.relayout("loss", mark);
    Plotly.relayout("accuracy", mark);
    document.getElementById("label").textContent =
      `epoch ${f.epoch}: loss ${Number(f.loss.toPrecision(6))}, accuracy ${Number(f.accuracy.toPrecision(6))}`;
    document.getElementById("state").textContent = JSON.stringify(state);
  }
  slider.oninput = () => setFrame(Number(slider.value));
  let timer = null;
  const play = document.getElementById("play");
  play.onclick = () => {
    if (timer) { clearInterval(timer); timer = null; play.textContent = "play"; return; }
    if (Number(slider.value) >= frames.length - 1) setFrame(0);
    play.textContent = "pause";
    timer = setInterval(() => {
      if (Number(slider.value) >= frames.length - 1) { clearInterval(timer); timer = null; play.textContent = "play"; return; }
      setFrame(Number(slider.value) + 1);
    }, 150);
  };
  const wanted = /frame=(\d+)/.exec(window.location.hash);
  setFrame(wanted ? Number(wanted[1]) : frames.length - 1);
  window.slope = { setFrame, state: () => JSON.parse(JSON.stringify(state)) };
})();
