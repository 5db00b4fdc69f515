// The page in English and Japanese. Elements with data-i18n="key" take the text of `key`;
// the scripts ask t(key, values) for the rest. {name} in a text is replaced by values.name.

const TEXTS = {
  en: {
    "subtitle": "draw a digit, watch the network think; press start, watch it learn",
    "tab.draw": "Draw",
    "tab.learn": "Learn",
    "draw.pad": "Draw a digit",
    "draw.clear": "Clear",
    "draw.random": "Random test digit",
    "draw.mistakes": "Where it errs",
    "draw.prediction": "Prediction",
    "draw.input": "What the network saw",
    "draw.input.note": "28×28, prepared as zerodl predict prepares a picture",
    "draw.sample": "Test digit no. {index} of {dataset}, labelled {label}",
    "draw.warning": "Note: {text}",
    "model.line": "Model: {name} ({network}, {parameters} parameters), {source}",
    "model.none": "No model yet. Train one in the Learn tab, or start the server with --model FILE.",
    "model.file": "from {source}",
    "model.trained": "trained in this page",
    "mistakes.title": "Test digits it gets wrong",
    "mistakes.summary": "{wrong} of {total} test digits ({rate}) are misclassified; here are the first {shown}. Click one to draw it.",
    "mistakes.caption": "{label} → {predicted}",
    "layers.title": "Activations of every layer",
    "layers.note": "Each cell is one value: orange is positive, blue negative, pale near zero. Hover for the number.",
    "layers.units": "{count} units",
    "layers.maps": "{count} feature maps of {h}×{w}",
    "layers.filters": "Filters ({count} of {h}×{w}{channels})",
    "layers.channels": ", first {shown} of {total} input channels",
    "hover.unit": "{layer}, unit {index}: {value}",
    "hover.map": "{layer}, map {map}, row {row}, column {col}: {value}",
    "hover.filter": "{layer}, filter {filter}, channel {channel}, row {row}, column {col}: {value}",
    "hover.input": "input, row {row}, column {col}: {value}",
    "hover.weight": "{layer}, unit {unit}, row {row}, column {col}: {value}",
    "learn.settings": "Settings",
    "learn.model": "Model",
    "learn.optimizer": "Optimizer",
    "learn.lr": "Learning rate",
    "learn.batch": "Batch size",
    "learn.epochs": "Epochs",
    "learn.dataset": "Dataset",
    "learn.start": "Start",
    "learn.pause": "Pause",
    "learn.resume": "Resume",
    "learn.stop": "Stop",
    "learn.save": "Save the model",
    "learn.loss": "Loss",
    "learn.accuracy": "Accuracy",
    "learn.weights": "Weights of the first layer",
    "learn.weights.affine": "Each unit of {layer}: its 784 weights as a 28×28 picture (after {iteration} iterations)",
    "learn.weights.conv": "The filters of {layer} (after {iteration} iterations)",
    "learn.train": "training data",
    "learn.test": "test data",
    "learn.epoch.axis": "epochs",
    "model.two-layer": "two-layer net (TwoLayerNet, 50 hidden units)",
    "model.mlp": "multi-layer net (MultiLayerNet, 100-100)",
    "model.simple-conv": "CNN (SimpleConvNet)",
    "status.loading": "Reading {dataset}…",
    "status.start": "Training on {train} images, {per} iterations per epoch…",
    "status.progress": "Epoch {epoch}/{epochs}, iteration {iteration}: loss {loss}, accuracy {train} (training), {test} (test)",
    "status.paused": "Paused at iteration {iteration}.",
    "status.done": "Done in {seconds} s: test accuracy {accuracy}. The Draw tab now uses this model.",
    "status.stopped": "Stopped at iteration {iteration}: test accuracy {accuracy}. The Draw tab now uses this model.",
    "status.stopped.early": "Stopped before the first iteration; the Draw tab keeps its model.",
    "status.saved": "Saved as {path}",
    "status.error": "Error: {message}",
  },
  ja: {
    "subtitle": "数字を描けばネットワークの考えが見え、開始を押せば学習の様子が見えます",
    "tab.draw": "描く",
    "tab.learn": "学習する",
    "draw.pad": "数字を描いてください",
    "draw.clear": "消す",
    "draw.random": "テスト画像をランダムに",
    "draw.mistakes": "間違える画像を見る",
    "draw.prediction": "認識結果",
    "draw.input": "ネットワークへの入力",
    "draw.input.note": "28×28。zerodl predict と同じ前処理をした画像です",
    "draw.sample": "{dataset} のテスト画像 {index} 番（正解ラベル {label}）",
    "draw.warning": "注意: {text}",
    "model.line": "モデル: {name}（{network}、パラメータ {parameters} 個）、{source}",
    "model.none": "まだモデルがありません。「学習する」タブで学習させるか、--model FILE を付けてサーバーを起動してください。",
    "model.file": "{source} から読み込み",
    "model.trained": "このページで学習",
    "mistakes.title": "ネットワークが間違えるテスト画像",
    "mistakes.summary": "テスト画像 {total} 枚のうち {wrong} 枚（{rate}）を誤認識しています。最初の {shown} 枚を示します。クリックすると描画欄に読み込みます。",
    "mistakes.caption": "{label} → {predicted}",
    "layers.title": "各層の活性化",
    "layers.note": "1 マスが 1 つの値です。オレンジは正、青は負、淡い色は 0 に近い値。マウスを重ねると値が出ます。",
    "layers.units": "ユニット {count} 個",
    "layers.maps": "{h}×{w} の特徴マップ {count} 枚",
    "layers.filters": "フィルター（{h}×{w} を {count} 個{channels}）",
    "layers.channels": "、入力チャンネル {total} のうち最初の {shown}",
    "hover.unit": "{layer} のユニット {index}: {value}",
    "hover.map": "{layer} の特徴マップ {map}、{row} 行 {col} 列: {value}",
    "hover.filter": "{layer} のフィルター {filter}、チャンネル {channel}、{row} 行 {col} 列: {value}",
    "hover.input": "入力の {row} 行 {col} 列: {value}",
    "hover.weight": "{layer} のユニット {unit} への重み、{row} 行 {col} 列: {value}",
    "learn.settings": "設定",
    "learn.model": "モデル",
    "learn.optimizer": "最適化手法",
    "learn.lr": "学習率",
    "learn.batch": "バッチサイズ",
    "learn.epochs": "エポック数",
    "learn.dataset": "データセット",
    "learn.start": "開始",
    "learn.pause": "一時停止",
    "learn.resume": "再開",
    "learn.stop": "停止",
    "learn.save": "モデルを保存",
    "learn.loss": "損失関数の値",
    "learn.accuracy": "認識精度",
    "learn.weights": "1 層目の重み",
    "learn.weights.affine": "{layer} の各ユニットへの 784 個の重みを 28×28 の画像として表示（{iteration} 回更新後）",
    "learn.weights.conv": "{layer} のフィルター（{iteration} 回更新後）",
    "learn.train": "訓練データ",
    "learn.test": "テストデータ",
    "learn.epoch.axis": "エポック",
    "model.two-layer": "2 層ニューラルネットワーク（TwoLayerNet、隠れ層 50）",
    "model.mlp": "多層ニューラルネットワーク（MultiLayerNet、100-100）",
    "model.simple-conv": "CNN（SimpleConvNet）",
    "status.loading": "{dataset} を読み込んでいます…",
    "status.start": "訓練データ {train} 枚で学習中。1 エポックは {per} イテレーションです…",
    "status.progress": "エポック {epoch}/{epochs}、イテレーション {iteration}: 損失 {loss}、認識精度 {train}（訓練）、{test}（テスト）",
    "status.paused": "イテレーション {iteration} で一時停止しています。",
    "status.done": "{seconds} 秒で学習が終わりました。テストデータの認識精度は {accuracy} です。「描く」タブはこのモデルを使います。",
    "status.stopped": "イテレーション {iteration} で停止しました。テストデータの認識精度は {accuracy} です。「描く」タブはこのモデルを使います。",
    "status.stopped.early": "最初のイテレーションの前に停止しました。「描く」タブのモデルはそのままです。",
    "status.saved": "{path} に保存しました",
    "status.error": "エラー: {message}",
  },
};

// What zerodl.prediction and zerodl.datasets.picture say of a picture, in Japanese; a text not
// known here is shown as it is, after "注意:".
const WARNINGS_JA = [
  [/^no digit: the picture is blank/, () => "数字が見つかりません: 何も描かれていません"],
  [/^no digit: too little ink/, () => "数字が見つかりません: 線が少なすぎます"],
  [/^no digit: ink covers (\d+%)/, (m) => `数字が見つかりません: 線が画像の ${m[1]} を覆っています（ノイズでしょうか）`],
  [/^no digit: the ink is scattered/, () => "数字が見つかりません: 線が小さな点に散らばっています（ノイズでしょうか）"],
  [/^nothing to see/, () => "何も描かれていません"],
  [/^unsure: .* only ([\d.]+)/, (m) => `自信がありません: いちばん確率の高いクラスでも ${m[1]} です（数字を 1 つだけ描きましたか？）`],
];

let language = "en";

export function setLanguage(name) {
  language = name in TEXTS ? name : "en";
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
}

export function currentLanguage() {
  return language;
}

export function browserLanguage() {
  return (navigator.language || "en").toLowerCase().startsWith("ja") ? "ja" : "en";
}

// A warning about a picture, from the server (in English), in the page's language.
export function warning(text) {
  for (const [pattern, say] of language === "ja" ? WARNINGS_JA : []) {
    const match = text.match(pattern);
    if (match) return say(match);
  }
  return t("draw.warning", {text});
}

export function t(key, values = {}) {
  const text = TEXTS[language][key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}
