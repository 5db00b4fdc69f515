// The Learn tab: the settings of a training run, start, pause and stop, the loss and accuracy
// curves as the run's events come in (GET /api/train/events), and the first layer's weights.

import {api, folderName} from "./api.js";
import {t} from "./i18n.js";
import {decodePictures, hover, lines, tiles} from "./plots.js";

const $ = (id) => document.getElementById(id);
const FIELDS = ["model", "optimizer", "lr", "batch_size", "epochs", "dataset"];
const percent = (v) => `${(100 * v).toFixed(1)}%`;

let options = null;   // GET /api/options
let stream = null;    // the EventSource of the run being watched
let run = fresh();    // what its events said so far
let status = null;    // [key, values] of the status line, to say again in another language
let hooks = {};

function fresh() {
  return {start: null, progress: [], weights: null, state: "idle"};
}

// settings: the form's values from the URL; hooks.changed(settings) when the user changes one,
// hooks.trained() when a run's network is served.
export async function setupLearn(settings, given) {
  hooks = given;
  options = await api("/api/options");
  const form = $("train-form");
  fillSelects(form);
  form.lr.value = options.lr.sgd;
  for (const name of FIELDS) {
    if (settings[name] !== undefined && settings[name] !== null) form[name].value = settings[name];
  }
  form.optimizer.addEventListener("change", () => (form.lr.value = options.lr[form.optimizer.value]));
  form.addEventListener("change", () => hooks.changed(formValues()));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    start();
  });
  $("pause").addEventListener("click", () =>
    control(run.state === "paused" ? "/api/train/resume" : "/api/train/pause"));
  $("stop").addEventListener("click", () => control("/api/train/stop"));
  $("save").addEventListener("click", save);
  paint();
  const current = await api("/api/train");
  if (current.state !== "idle") watch();
}

export function refreshLearn() {
  if (!options) return;
  fillSelects($("train-form"));
  if (status) say(...status);
  paint();
}

function fillSelects(form) {
  const keep = Object.fromEntries(["model", "optimizer", "dataset"].map((n) => [n, form[n].value]));
  const fill = (select, values, label) => {
    select.replaceChildren(...values.map((value) =>
      Object.assign(document.createElement("option"), {value, textContent: label(value)})));
  };
  fill(form.model, options.models, (name) => t(`model.${name}`));
  fill(form.optimizer, options.optimizers, (name) => name);
  fill(form.dataset, options.datasets, folderName);
  form.model.value = keep.model || options.models[0];
  form.optimizer.value = keep.optimizer || "sgd";
  form.dataset.value = keep.dataset || options.dataset;
}

function formValues() {
  const form = $("train-form");
  return {model: form.model.value, optimizer: form.optimizer.value, lr: Number(form.lr.value),
    batch_size: Number(form.batch_size.value), epochs: Number(form.epochs.value),
    dataset: form.dataset.value};
}

function say(key, values = {}, error = false) {
  status = [key, values, error];
  $("train-status").textContent = t(key, values);
  $("train-status").classList.toggle("error", error);
}

function buttons() {
  const active = run.state === "running" || run.state === "paused";
  $("start").disabled = active;
  $("pause").disabled = !active;
  $("stop").disabled = !active;
  $("pause").textContent = t(run.state === "paused" ? "learn.resume" : "learn.pause");
  for (const element of $("train-form").querySelectorAll("select, input")) element.disabled = active;
}

async function start() {
  try {
    await api("/api/train", formValues());
  } catch (error) {
    say("status.error", {message: error.message}, true);
    return;
  }
  $("save").disabled = true;
  watch();
}

async function control(path) {
  try {
    await api(path, {});
  } catch (error) {
    say("status.error", {message: error.message}, true);
  }
}

async function save() {
  try {
    say("status.saved", await api("/api/model/save", {}));
  } catch (error) {
    say("status.error", {message: error.message}, true);
  }
}

// Follow the run from its first event: a page opened during a run shows it whole.
function watch() {
  stream?.close();
  run = fresh();
  run.state = "running";
  buttons();
  stream = new EventSource("/api/train/events");
  stream.onmessage = (message) => receive(JSON.parse(message.data));
}

function receive(event) {
  switch (event.type) {
    case "loading":
      say("status.loading", {dataset: folderName(event.dataset)});
      break;
    case "start":
      run.start = event;
      say("status.start", {train: event.train_size.toLocaleString(), per: event.iterations_per_epoch});
      break;
    case "progress":
      run.progress.push(event);
      say("status.progress", {epoch: event.epoch, epochs: run.start.epochs, iteration: event.iteration,
        loss: event.loss.toFixed(4), train: percent(event.train_acc), test: percent(event.test_acc)});
      break;
    case "weights":
      run.weights = event;
      break;
    case "paused":
      run.state = "paused";
      say("status.paused", {iteration: event.iteration});
      break;
    case "resumed":
      run.state = "running";
      break;
    case "done":
      finish();
      if (!event.served) {
        say("status.stopped.early");
        break;
      }
      say(event.stopped ? "status.stopped" : "status.done",
        {seconds: event.seconds, iteration: event.iteration, accuracy: percent(event.test_acc)});
      $("save").disabled = false;
      hooks.trained();
      break;
    case "error":
      finish();
      say("status.error", {message: event.message}, true);
      break;
  }
  buttons();
  if (event.type === "progress" || event.type === "weights" || event.type === "start") paint();
}

function finish() {
  stream.close();
  stream = null;
  run.state = "over";
}

// -- pictures --------------------------------------------------------------------------------
function paint() {
  const axis = t("learn.epoch.axis");
  lines($("loss-chart"), [{name: t("learn.loss"), colour: "#d9480f",
    points: run.progress.map((e) => [e.epochs_done, e.loss])}], {yMin: 0, xLabel: axis});
  lines($("accuracy-chart"), [
    {name: t("learn.train"), colour: "#d9480f", points: run.progress.map((e) => [e.epochs_done, e.train_acc])},
    {name: t("learn.test"), colour: "#1c7ed6", points: run.progress.map((e) => [e.epochs_done, e.test_acc])},
  ], {yMin: 0, yMax: 1, xLabel: axis});
  paintWeights();
}

function paintWeights() {
  const canvas = $("weights");
  const event = run.weights;
  if (!event) {
    $("weights-note").textContent = "";
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    return;
  }
  const pictures = decodePictures(event.pictures);
  const shape = pictures.shape;
  // a unit's weights as 28x28, or a filter (the first layer's input has one channel)
  const [h, w] = shape.slice(-2);
  const count = shape[0];
  $("weights-note").textContent = t(shape.length === 4 ? "learn.weights.conv" : "learn.weights.affine",
    {layer: event.layer, iteration: event.iteration});
  const cols = Math.min(count, 10);
  const at = tiles(canvas, {count, h, w, scale: Math.max(2, Math.round(56 / w)), cols, gap: 2,
    value: (k, r, c) => pictures.at(k, r * w + c)});
  hover(canvas, (x, y) => {
    const hit = at(x, y);
    return hit ? t("hover.weight", {layer: event.layer, unit: hit.tile + 1, row: hit.row + 1,
      col: hit.col + 1, value: pictures.value(hit.tile, hit.row * w + hit.col).toExponential(2)}) : null;
  });
}
