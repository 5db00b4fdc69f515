// The Draw tab: a drawing pad that the served model reads while it is drawn on, the input the
// model saw, the probabilities, and what every layer computes; test digits, and the ones the
// model gets wrong.

import {api, folderName} from "./api.js";
import {t, warning} from "./i18n.js";
import {bars, decodePictures, gray, hover, largest, tiles} from "./plots.js";

const PEN_WIDTH = 20;  // of 280 pixels: about MNIST's stroke once the digit is framed in 20x20
const SIDE = 28;
const $ = (id) => document.getElementById(id);

let model = null;     // GET /api/model
let result = null;    // the last POST /api/predict
let sample = null;    // the test digit on the pad, if it is one
let layerViews = [];  // per layer: {row, canvas, filters}
let busy = false, again = false;

const pad = $("canvas");
const pen = pad.getContext("2d");

export function setupDraw() {
  pen.lineCap = pen.lineJoin = "round";
  let last = null;
  const point = (event) => {
    const box = pad.getBoundingClientRect();
    return [((event.clientX - box.left) * pad.width) / box.width,
            ((event.clientY - box.top) * pad.height) / box.height];
  };
  const stroke = (from, to) => {
    pen.lineWidth = PEN_WIDTH;
    pen.strokeStyle = "black";
    pen.beginPath();
    pen.moveTo(...from);
    pen.lineTo(...to);
    pen.stroke();
    sample = null;
    changed();
  };
  pad.addEventListener("pointerdown", (event) => {
    if (!model?.name) return;
    pad.setPointerCapture(event.pointerId);
    last = point(event);
    stroke(last, last);
  });
  pad.addEventListener("pointermove", (event) => {
    if (!last) return;
    const next = point(event);
    stroke(last, next);
    last = next;
  });
  for (const name of ["pointerup", "pointercancel"]) pad.addEventListener(name, () => (last = null));
  $("clear").addEventListener("click", clear);
  $("random").addEventListener("click", () => loadDigit("/api/digit"));
  $("show-mistakes").addEventListener("click", showMistakes);
}

// Fetch the served model and lay out its layers (again after a training run).
export async function loadModel() {
  model = await api("/api/model");
  $("mistakes").hidden = true;
  for (const id of ["random", "show-mistakes"]) $(id).disabled = !model.name;
  layout();
  clear();
}

// Everything drawn again in the language now chosen.
export function refreshDraw() {
  if (!model) return;
  layout();
  if (result) show(result); else clear();
  if (!$("mistakes").hidden) showMistakes();
}

function modelLine() {
  const line = $("model-line");
  if (!model.name) {
    line.textContent = t("model.none");
    return;
  }
  const source = model.source.startsWith("trained here") ? t("model.trained")
    : t("model.file", {source: model.source || "?"});
  line.textContent = t("model.line", {name: model.name, network: model.network,
    parameters: model.parameters.toLocaleString(), source});
  line.title = model.source;
}

function clear() {
  pen.clearRect(0, 0, pad.width, pad.height);
  result = sample = null;
  $("prediction").textContent = "–";
  $("warning").textContent = "";
  $("sample-note").textContent = "";
  paintInput(null);
  paintBars(null);
  for (const view of layerViews) paintLayer(view, null);
}

// Ask the model about the pad; while an answer is awaited, changes are sent once it has come.
function changed() {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  api("/api/predict", {image: pad.toDataURL("image/png")})
    .then(show, (error) => ($("warning").textContent = t("status.error", {message: error.message})))
    .finally(() => {
      busy = false;
      if (again) {
        again = false;
        changed();
      }
    });
}

function show(answer) {
  result = answer;
  $("prediction").textContent = answer.label;
  $("warning").textContent = answer.warning ? warning(answer.warning) : "";
  $("sample-note").textContent = sample ? t("draw.sample", sample) : "";
  paintInput(answer.input);
  paintBars(answer.probabilities);
  for (const view of layerViews) paintLayer(view, answer.activations[view.row.name]);
}

function paintBars(probabilities) {
  const labels = model.classes;
  hover($("bars"), bars($("bars"), probabilities ?? labels.map(() => 0), labels));
}

function paintInput(input) {
  const canvas = $("input");
  const at = tiles(canvas, {count: 1, h: SIDE, w: SIDE, scale: 6, cols: 1, gap: 0,
    value: (k, r, c) => (input ? input[r][c] : 0), paint: gray});
  hover(canvas, (x, y) => {
    const hit = input && at(x, y);
    return hit ? t("hover.input", {row: hit.row + 1, col: hit.col + 1,
      value: input[hit.row][hit.col].toFixed(3)}) : null;
  });
}

// -- layers ----------------------------------------------------------------------------------
function layout() {
  modelLine();
  const box = $("layers");
  box.replaceChildren();
  layerViews = model.layers.map((row) => {
    const block = document.createElement("div");
    block.className = "layer";
    const title = document.createElement("h3");
    const shape = row.output_shape;
    const kind = shape.length === 3 ? t("layers.maps", {count: shape[0], h: shape[1], w: shape[2]})
      : t("layers.units", {count: shape.reduce((a, b) => a * b, 1)});
    title.append(row.name, Object.assign(document.createElement("span"),
      {textContent: `${row.type} · ${kind}`}));
    const canvas = document.createElement("canvas");
    block.append(title, canvas);
    const view = {row, canvas};
    if (row.filters) view.filters = filterView(row, block);
    box.append(block);
    return view;
  });
}

function paintLayer({row, canvas}, values) {
  const shape = row.output_shape;
  const most = values ? largest(values) : 1;
  if (shape.length === 3) {
    const [count, h, w] = shape;
    const at = tiles(canvas, {count, h, w, scale: Math.max(1, Math.round(64 / h)), cols: 10, gap: 3,
      value: (k, r, c) => (values ? values[k][r][c] / most : 0)});
    hover(canvas, (x, y) => {
      const hit = values && at(x, y);
      return hit ? t("hover.map", {layer: row.name, map: hit.tile + 1, row: hit.row + 1,
        col: hit.col + 1, value: values[hit.tile][hit.row][hit.col].toFixed(4)}) : null;
    });
    return;
  }
  const flat = values ? values.flat(Infinity) : [];
  const count = shape.reduce((a, b) => a * b, 1);
  const at = tiles(canvas, {count, h: 1, w: 1, scale: count <= 50 ? 14 : 9, cols: 50, gap: 1,
    value: (k) => (values ? flat[k] / most : 0)});
  hover(canvas, (x, y) => {
    const hit = values && at(x, y);
    return hit ? t("hover.unit", {layer: row.name, index: hit.tile + 1,
      value: flat[hit.tile].toFixed(4)}) : null;
  });
}

// A convolution's filters, drawn once: each filter's first channels side by side.
function filterView(row, block) {
  const pictures = decodePictures(row.filters);
  const [count, channels, h, w] = pictures.shape;
  const shown = Math.min(channels, 4);
  const note = document.createElement("p");
  note.className = "note";
  note.textContent = t("layers.filters", {count, h, w, channels: channels > 1
    ? t("layers.channels", {shown, total: channels}) : ""});
  const canvas = document.createElement("canvas");
  canvas.className = "filters";
  block.append(note, canvas);
  const at = tiles(canvas, {count: count * shown, h, w, scale: Math.max(2, Math.round(36 / h)),
    cols: shown === 1 ? 15 : shown * 4, gap: 3,
    value: (k, r, c) => pictures.at(Math.floor(k / shown), ((k % shown) * h + r) * w + c)});
  hover(canvas, (x, y) => {
    const hit = at(x, y);
    if (!hit) return null;
    const filter = Math.floor(hit.tile / shown), channel = hit.tile % shown;
    return t("hover.filter", {layer: row.name, filter: filter + 1, channel: channel + 1,
      row: hit.row + 1, col: hit.col + 1,
      value: pictures.value(filter, (channel * h + hit.row) * w + hit.col).toFixed(4)});
  });
  return canvas;
}

// -- test digits -----------------------------------------------------------------------------
// A test digit (uint8, light on dark) onto the pad as a drawing: black ink, as much as the
// digit's brightness, on transparent.
function drawDigit(digit) {
  const small = document.createElement("canvas");
  small.width = small.height = SIDE;
  const context = small.getContext("2d");
  const image = context.createImageData(SIDE, SIDE);
  digit.pixels.flat().forEach((v, i) => (image.data[i * 4 + 3] = v));
  context.putImageData(image, 0, 0);
  pen.clearRect(0, 0, pad.width, pad.height);
  pen.imageSmoothingEnabled = true;
  pen.drawImage(small, 0, 0, pad.width, pad.height);
  sample = {index: digit.index, label: model.classes[digit.label], dataset: folderName(digit.dataset)};
  changed();
}

async function loadDigit(path) {
  try {
    drawDigit(await api(path));
  } catch (error) {
    $("warning").textContent = t("status.error", {message: error.message});
  }
}

async function showMistakes() {
  let answer;
  try {
    answer = await api("/api/mistakes?limit=40");
  } catch (error) {
    $("warning").textContent = t("status.error", {message: error.message});
    return;
  }
  $("mistakes").hidden = false;
  $("mistakes-summary").textContent = t("mistakes.summary", {wrong: answer.wrong, total: answer.total,
    rate: `${((100 * answer.wrong) / answer.total).toFixed(1)}%`, shown: answer.digits.length});
  const grid = $("mistakes-grid");
  grid.replaceChildren(...answer.digits.map((digit) => {
    const figure = document.createElement("figure");
    const canvas = document.createElement("canvas");
    tiles(canvas, {count: 1, h: SIDE, w: SIDE, scale: 1, cols: 1, gap: 0,
      value: (k, r, c) => digit.pixels[r][c] / 255, paint: gray});
    const caption = document.createElement("figcaption");
    caption.textContent = t("mistakes.caption", {label: model.classes[digit.label],
      predicted: model.classes[digit.predicted]});
    figure.title = `#${digit.index} (p = ${digit.p})`;
    figure.append(canvas, caption);
    figure.addEventListener("click", () => drawDigit({...digit, dataset: answer.dataset}));
    return figure;
  }));
}
