// Pictures of numbers on canvases: grids of cells coloured by value, bar and line charts, and
// the tooltip that tells the number under the mouse.

const PALE = [248, 249, 250];
const POSITIVE = [217, 72, 15];
const NEGATIVE = [28, 126, 214];
const FONT = '12px system-ui, "Noto Sans CJK JP", sans-serif';

// v in [-1, 1]: orange for positive values, blue for negative ones, pale near zero.
export function signed(v) {
  const a = Math.min(1, Math.abs(v));
  const end = v >= 0 ? POSITIVE : NEGATIVE;
  return PALE.map((p, i) => p + (end[i] - p) * a);
}

// v in [0, 1]: black to white, as MNIST's digits are (light ink on dark).
export function gray(v) {
  const g = 255 * Math.min(1, Math.max(0, v));
  return [g, g, g];
}

// `count` tiles of h x w cells, `cols` tiles a row, each cell `scale` pixels square. value(k, r, c)
// is the cell's value, paint turns it into a colour. Returns where a point of the canvas lies:
// {tile, row, col}, or null between tiles.
export function tiles(canvas, {count, h, w, scale, cols, gap = 2, value, paint = signed}) {
  cols = Math.max(1, Math.min(count, cols));
  const rows = Math.ceil(count / cols);
  const tw = w * scale, th = h * scale;
  canvas.width = Math.max(1, cols * (tw + gap) - gap);
  canvas.height = Math.max(1, rows * (th + gap) - gap);
  const context = canvas.getContext("2d");
  const image = context.createImageData(canvas.width, canvas.height);
  image.data.fill(255);
  for (let k = 0; k < count; k++) {
    const x0 = (k % cols) * (tw + gap), y0 = Math.floor(k / cols) * (th + gap);
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const [R, G, B] = paint(value(k, r, c));
        for (let dy = 0; dy < scale; dy++) {
          let at = ((y0 + r * scale + dy) * canvas.width + x0 + c * scale) * 4;
          for (let dx = 0; dx < scale; dx++, at += 4) {
            image.data[at] = R;
            image.data[at + 1] = G;
            image.data[at + 2] = B;
          }
        }
      }
    }
  }
  context.putImageData(image, 0, 0);
  return (x, y) => {
    const tc = Math.floor(x / (tw + gap)), tr = Math.floor(y / (th + gap));
    const col = Math.floor((x - tc * (tw + gap)) / scale), row = Math.floor((y - tr * (th + gap)) / scale);
    const tile = tr * cols + tc;
    if (tc >= cols || tile >= count || col >= w || row >= h || col < 0 || row < 0) return null;
    return {tile, row, col};
  };
}

// The largest |value| of nested arrays: the scale that a layer's colours share.
export function largest(values) {
  let most = 0;
  for (const v of values.flat(Infinity)) most = Math.max(most, Math.abs(v));
  return most || 1;
}

// Pictures sent by the server as whole numbers -127..127 in base64, each with its own scale
// (zerodl.serve.views.pictures): {shape, scale, data} -> {shape, at(k, i) in [-1, 1], value(k, i)}.
export function decodePictures({shape, scale, data}) {
  const bytes = Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0));
  const q = new Int8Array(bytes.buffer);
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  return {
    shape,
    at: (k, i) => q[k * size + i] / 127,
    value: (k, i) => (q[k * size + i] / 127) * scale[k],
  };
}

// Horizontal bars of the probabilities, the likeliest in the accent colour.
export function bars(canvas, probabilities, labels) {
  const context = canvas.getContext("2d");
  const {width, height} = canvas;
  const row = height / labels.length, labelWidth = 92, valueWidth = 48;
  const top = probabilities.length ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  context.clearRect(0, 0, width, height);
  context.font = FONT;
  context.textBaseline = "middle";
  labels.forEach((label, i) => {
    const p = probabilities[i] ?? 0, y = i * row;
    context.fillStyle = "#212529";
    context.textAlign = "right";
    context.fillText(label, labelWidth - 8, y + row / 2, labelWidth - 10);
    context.fillStyle = "#f1f3f5";
    context.fillRect(labelWidth, y + 3, width - labelWidth - valueWidth, row - 6);
    context.fillStyle = i === top ? "#d9480f" : "#adb5bd";
    context.fillRect(labelWidth, y + 3, (width - labelWidth - valueWidth) * p, row - 6);
    context.fillStyle = "#495057";
    context.textAlign = "left";
    context.fillText(p.toFixed(3), width - valueWidth + 6, y + row / 2);
  });
  return (x, y) => {
    const i = Math.floor(y / row);
    return i >= 0 && i < labels.length ? `${labels[i]}: ${(probabilities[i] ?? 0).toFixed(4)}` : null;
  };
}

// Lines of points [x, y] with axes from 0 to the largest x (at least 1) and from yMin to yMax
// (the data's range when not given). series: [{name, colour, points}], named in a legend when
// there are several.
export function lines(canvas, series, {yMin, yMax, xLabel}) {
  const context = canvas.getContext("2d");
  const {width, height} = canvas;
  const left = 46, right = 12, top = 24, bottom = 32;
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const low = yMin ?? Math.min(...all.map((p) => p[1]), 0);
  let high = yMax ?? Math.max(...all.map((p) => p[1]), 1e-9);
  if (high <= low) high = low + 1;
  const X = (x) => left + (x / xMax) * (width - left - right);
  const Y = (y) => height - bottom - ((y - low) / (high - low)) * (height - top - bottom);
  context.clearRect(0, 0, width, height);
  context.font = FONT;
  context.strokeStyle = "#dee2e6";
  context.fillStyle = "#6c757d";
  context.lineWidth = 1;
  context.textAlign = "right";
  context.textBaseline = "middle";
  for (let i = 0; i <= 4; i++) {
    const v = low + ((high - low) * i) / 4;
    context.beginPath();
    context.moveTo(left, Y(v));
    context.lineTo(width - right, Y(v));
    context.stroke();
    context.fillText(v.toFixed(high - low < 1.5 ? 2 : 1), left - 6, Y(v));
  }
  context.textAlign = "center";
  context.textBaseline = "top";
  const step = xMax <= 10 ? 1 : Math.ceil(xMax / 10);
  for (let x = 0; x <= xMax + 1e-9; x += step) context.fillText(String(x), X(x), height - bottom + 6);
  context.fillText(xLabel, (left + width - right) / 2, height - 14);
  let legend = width - right;
  context.textAlign = "right";
  for (const s of [...series].reverse()) {
    if (series.length > 1) {
      context.fillStyle = s.colour;
      context.fillText(s.name, legend, 4);
      legend -= context.measureText(s.name).width + 16;
    }
    context.strokeStyle = s.colour;
    context.lineWidth = 2;
    context.beginPath();
    s.points.forEach(([x, y], i) => (i ? context.lineTo(X(x), Y(y)) : context.moveTo(X(x), Y(y))));
    context.stroke();
  }
  canvas.dataset.points = String(all.length);
}

// What the tooltip says over a canvas: describe(x, y) in the canvas's pixels -> text or null.
// Set again whenever the canvas is drawn again.
const tooltip = () => document.getElementById("tooltip");

export function hover(canvas, describe) {
  canvas.describe = describe;
  if (canvas.hoverReady) return;
  canvas.hoverReady = true;
  canvas.addEventListener("mousemove", (event) => {
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) * canvas.width) / box.width;
    const y = ((event.clientY - box.top) * canvas.height) / box.height;
    const text = canvas.describe(x, y);
    const tip = tooltip();
    tip.hidden = !text;
    if (text) {
      tip.textContent = text;
      tip.style.left = `${event.clientX + 14}px`;
      tip.style.top = `${event.clientY + 14}px`;
    }
  });
  canvas.addEventListener("mouseleave", () => (tooltip().hidden = true));
}
