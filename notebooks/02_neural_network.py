# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. ニューラルネットワーク
#
# 教科書3章のノートブックである。パーセプトロンのステップ関数をなめらかな活性化関数に替え、行列の積で層を計算し、出力層にソフトマックス関数を置くと、ニューラルネットワークの順伝播（推論）になる。最後に、本が公開している学習済みの重みで MNIST の手書き数字を認識する。
#
# 学習（重みをデータから決めること）は次のノートブック（03）で扱う。ここでは重みは与えられたものとする。

# %% [markdown]
# ## 準備
#
# 図は zerodl の図の関数が描き、このフォルダの `inline_figures.py` の `show` がセルの下に表示する。日本語のフォント（Noto Sans CJK JP）がない環境では、`inline_figures.LANGUAGE = "en"` とすると図の文字が英語になる。

# %%
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from inline_figures import show

# %% [markdown]
# ## パーセプトロンから活性化関数へ
#
# パーセプトロンは、重み付き和 $a = b + w_1x_1 + w_2x_2$ を関数 $h$ に通して出力 $y = h(a)$ を決めていた、と見ることができる。この $h$ を**活性化関数**という。パーセプトロンの $h$ は、$a > 0$ なら 1、そうでなければ 0 を返す**ステップ関数**である。
# %%
from zerodl.figures.networks import neuron

show(neuron)

# %% [markdown]
# ニューラルネットワークでは、ステップ関数の代わりに**シグモイド関数** $h(x) = 1 / (1 + \exp(-x))$ や **ReLU関数** $h(x) = \max(0, x)$ を使う。zerodl の関数は、スカラーにも配列にも要素ごとに働く。

# %%
from zerodl.functions import relu, sigmoid, step_function

x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
print("ステップ関数", step_function(x))
print("シグモイド関数", sigmoid(x).round(3))
print("ReLU関数", relu(x))

# %%
from zerodl.figures.networks import activations

show(activations)

# %% [markdown]
# シグモイド関数はステップ関数をなめらかにしたものである。入力を $c$ 倍してから通すと、$c$ が大きいほど立ち上がりが急になり、ステップ関数に近づく。`steepness` の値を変えて確かめよう。なめらかであることは、次のノートブック（03）で学習に微分を使うときに効いてくる（ステップ関数の傾きはほとんどの場所で 0 である）。

# %%
steepness = [0.5, 1, 3, 10]

xs = np.linspace(-5, 5, 501)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(xs, step_function(xs), "k--", lw=1, label="step")
for c in steepness:
    ax.plot(xs, sigmoid(c * xs), label=f"sigmoid({c:g}x)")
ax.set_xlabel("$x$")
ax.legend()
plt.show()

# %% [markdown]
# ### 練習問題 1
#
# 活性化関数は非線形でなければならない、と本は言う。活性化関数に恒等関数 $h(x) = x$ を使うと、2層のネットワーク $(XW_1 + B_1)W_2 + B_2$ は、1層のネットワーク $XW + B$ と同じものになってしまうことを確かめよ。$W$ と $B$ は何になるか。乱数の行列で数値でも確かめよ。

# %% [markdown]
# <details><summary>答え</summary>
#
# 展開すると $(XW_1 + B_1)W_2 + B_2 = X(W_1W_2) + (B_1W_2 + B_2)$ なので、$W = W_1W_2$、$B = B_1W_2 + B_2$ の1層と同じである。線形な層はいくつ重ねても1つの線形な層にまとまるので、層を深くする意味がない。間に ReLU のような非線形関数を挟むと、このようにはまとまらない。
#
# </details>

# %%
rng = np.random.default_rng(0)
X = rng.standard_normal((4, 2))
W1, B1 = rng.standard_normal((2, 3)), rng.standard_normal(3)
W2, B2 = rng.standard_normal((3, 2)), rng.standard_normal(2)

two_layers = (X @ W1 + B1) @ W2 + B2
one_layer = X @ (W1 @ W2) + (B1 @ W2 + B2)
print(np.allclose(two_layers, one_layer))
print(np.allclose(relu(X @ W1 + B1) @ W2 + B2, one_layer))  # ReLU を挟むと一致しない

# %% [markdown]
# ## 行列の積で層を計算する
#
# 層のすべてのニューロンの重み付き和は、行列の積1回で計算できる。入力 $X$ が形状 (2,)、重み $W$ が (2, 3) なら、$A = XW + B$ は (3,) になる。積を取る2つの配列は、左の最後の次元と右の最初の次元がそろっていなければならない。

# %%
from zerodl.figures.networks import three_layer_matrices

show(three_layer_matrices)

# %% [markdown]
# 上の図の 2-3-2-2 のネットワークを、NumPy で1層ずつ計算してみる。重みは適当に選んだ値である。隠れ層の活性化関数はシグモイド関数、出力層はとりあえず恒等関数にしておく。

# %%
X = np.array([1.0, 0.5])
W1 = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])
B1 = np.array([0.1, 0.2, 0.3])
W2 = np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]])
B2 = np.array([0.1, 0.2])
W3 = np.array([[0.1, 0.3], [0.2, 0.4]])
B3 = np.array([0.1, 0.2])

A1 = X @ W1 + B1
Z1 = sigmoid(A1)
A2 = Z1 @ W2 + B2
Z2 = sigmoid(A2)
Y = Z2 @ W3 + B3
print("形状", X.shape, "→", A1.shape, "→", A2.shape, "→", Y.shape)
print("出力", Y)

# %% [markdown]
# ## 出力層とソフトマックス関数
#
# 分類問題では、出力層に**ソフトマックス関数**を使う。$n$ 個のスコア $a_k$ を、和が 1 になる確率 $y_k$ に変える。
#
# $$
# y_k = \frac{\exp(a_k)}{\sum_{i=1}^{n} \exp(a_i)}
# $$
#
# スコアの大小の順は変わらない。

# %%
from zerodl.figures.networks import softmax_bars

print(show(softmax_bars))

# %% [markdown]
# 式どおりに計算すると、スコアが大きいとき $\exp$ があふれて `inf` になり、結果が `nan` になる。分子と分母に同じ定数を掛けても値は変わらないので、スコアの最大値を引いてから $\exp$ を取ればよい。zerodl の `softmax` はそうしている。

# %%
from zerodl.functions import softmax


def softmax_naive(a):
    e = np.exp(a)
    return e / e.sum()


big = np.array([1010.0, 1000.0, 990.0])
with np.errstate(over="ignore", invalid="ignore"):  # あふれの警告を出さない
    print("式どおり", softmax_naive(big))
print("最大値を引く", softmax(big))

# %% [markdown]
# ### 練習問題 2
#
# (1) 任意のスコア `a` と定数 `c` について `softmax(a + c)` が `softmax(a)` と等しいことを、いくつかの値で確かめよ。(2) 推論で一番確率の高いクラスを答えるだけなら、出力層のソフトマックス関数は省いてよい。なぜか。

# %% [markdown]
# <details><summary>答え</summary>
#
# (1) $\exp(a_k + c) = \exp(c)\exp(a_k)$ なので、分子と分母の $\exp(c)$ が約分される。(2) $\exp$ は単調増加なので、ソフトマックス関数はスコアの大小の順を変えない。一番大きいスコアのクラスと、一番大きい確率のクラスは同じである。ソフトマックス関数が要るのは、学習で確率を損失関数に渡すとき（次のノートブック）である。
#
# </details>

# %%
a = np.array([0.3, 2.9, 4.0])
for c in (-100.0, 0.0, 7.5, 1000.0):
    print(c, np.allclose(softmax(a + c), softmax(a)))
print(np.argmax(a), np.argmax(softmax(a)))

# %% [markdown]
# ## MNIST の手書き数字
#
# MNIST は 0 から 9 の手書き数字の画像（28×28 画素、白黒）で、訓練画像 60,000 枚とテスト画像 10,000 枚からなる。zerodl の `load_mnist()` は、手元になければダウンロードして、チェックサムを確かめてから読む。画素は 0 から 1 に正規化され、1枚が 784 個の数の並びになる（`flatten=True`）。

# %%
from zerodl.datasets import load_mnist

(x_train, t_train), (x_test, t_test) = load_mnist()
print("訓練", x_train.shape, "テスト", x_test.shape, x_test.dtype)
print("最初の10枚のラベル", t_test[:10])

# %%
from zerodl.figures.networks import mnist_digits

show(mnist_digits, x_test, t_test)

# %% [markdown]
# ## 学習済みの重みで推論する
#
# 本は 784-50-100-10 のネットワーク（隠れ層の活性化関数はシグモイド関数）の学習済みの重みを、本のリポジトリ（https://github.com/oreilly-japan/deep-learning-from-scratch ）の `ch03/sample_weight.pkl` として公開している。次のセルは、このノートブックの隣にファイルがなければ取ってくる（手で置いてもよい）。
#
# このファイルは pickle である。`pickle.load` で読むと、ファイルに仕込まれたコードが実行されうる。zerodl の `import_book_model` は、コードを一切実行せずに配列だけを読み、zerodl のネットワーク（`ThreeLayerNet`）に入れて返す。

# %%
from urllib.request import urlretrieve

from zerodl.book_weights import import_book_model

if not Path("sample_weight.pkl").exists():
    urlretrieve("https://github.com/oreilly-japan/deep-learning-from-scratch/raw/HEAD/ch03/sample_weight.pkl",
                "sample_weight.pkl")
net = import_book_model("sample_weight.pkl", "three-layer")
for key, value in net.params.items():
    print(key, value.shape)

# %% [markdown]
# 1枚ずつ推論して、一番確率の高いクラスが正解と一致した割合（**認識精度**）を数える。

# %%
y = net.predict(x_test[0])
print("確率", y.round(3))
print("予測", np.argmax(y), "正解", t_test[0])

correct = 0
for i in range(len(x_test)):
    if np.argmax(net.predict(x_test[i])) == t_test[i]:
        correct += 1
print("認識精度", correct / len(x_test))

# %% [markdown]
# ## バッチ処理
#
# 画像を1枚ずつではなく、100 枚まとめて (100, 784) の配列として入力すると、出力は (100, 10) になる。これを**バッチ**という。大きな行列の積1回のほうが、小さな積を何回も計算するより速い。`batch_size` を 1、10、100、1000 と変えて、時間を比べよう。

# %%
batch_size = 100

start = time.perf_counter()
correct = 0
for i in range(0, len(x_test), batch_size):
    y = net.predict(x_test[i:i + batch_size])
    correct += np.sum(np.argmax(y, axis=1) == t_test[i:i + batch_size])
seconds = time.perf_counter() - start
print(f"バッチ {batch_size} 枚：認識精度 {correct / len(x_test)}、{seconds * 1000:.0f} ミリ秒")
print("zerodl の accuracy", net.accuracy(x_test, t_test))

# %% [markdown]
# ### 練習問題 3
#
# テスト画像のうち、このネットワークが誤認識したものを先頭から 8 枚、「正解 → 予測」を添えて表示せよ。人が見ても迷う数字だろうか。

# %% [markdown]
# <details><summary>答え</summary>
#
# `predict` をテスト画像全体に一度にかけて、予測と正解が違う番号を `np.flatnonzero` で取り出す。画像は 784 個の並びなので、`reshape(28, 28)` で正方形に戻して `imshow` で描く。誤認識した数字には、線が途切れていたり、別の数字に似た形で書かれていたりするものが多い。
#
# </details>

# %%
predicted = np.argmax(net.predict(x_test), axis=1)
wrong = np.flatnonzero(predicted != t_test)
print("誤認識", len(wrong), "枚")

fig, axes = plt.subplots(1, 8, figsize=(10, 1.8))
for ax, i in zip(axes, wrong[:8], strict=True):
    ax.imshow(x_test[i].reshape(28, 28), cmap="gray")
    ax.set_title(f"{t_test[i]} → {predicted[i]}")
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ## まとめ
#
# - ニューラルネットワークは、パーセプトロンのステップ関数をシグモイド関数や ReLU関数に替えたものである。活性化関数は非線形でなければ、層を重ねる意味がない。
# - 層の計算は行列の積 $A = XW + B$ である。形状を追えば計算の流れがわかり、複数の入力をバッチとしてまとめて計算できる。
# - 分類の出力層にはソフトマックス関数を使う。あふれを避けるため、最大値を引いてから $\exp$ を取る。
# - 本の学習済みの重みは、zerodl の `import_book_model` で安全に読める。
#
# 次のノートブック（03）では、この重みをデータから学習する。
