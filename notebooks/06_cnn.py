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
# # 6. 畳み込みニューラルネットワーク
#
# 教科書7章のノートブックである。画像の形を保ったまま計算する**畳み込み層**と**プーリング層**を、本の小さな例の数値で確かめ、高速化の要である **im2col** を見る。最後に、本の `SimpleConvNet` を学習させ、1層目の**フィルター**が何を学ぶかを、本が公開している学習済みの重みと合わせて見る。

# %% [markdown]
# ## 準備
#
# `FULL = True` にすると、`SimpleConvNet` を本の規模（訓練画像すべてで 20 エポック）で学習させる。既定の `False` では訓練画像 3,000 枚で 2 エポックにしてある。図は zerodl の図の関数が描き、このフォルダの `inline_figures.py` の `show` がセルの下に表示する。日本語のフォント（Noto Sans CJK JP）がない環境では、`inline_figures.LANGUAGE = "en"` とすると図の文字が英語になる。

# %%
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from inline_figures import show

FULL = False
TRAIN_IMAGES = None if FULL else 3000  # None は訓練画像すべて
TEST_IMAGES = None if FULL else 1000   # エポックごとの認識精度を測るテスト画像の枚数
EPOCHS = 20 if FULL else 2

# %% [markdown]
# ## 全結合層の問題点
#
# これまでのネットワークでは、28×28 の画像を 784 個の数の並びにして Affine レイヤ（全結合層）に入れていた。そのとき、上下に隣り合う画素が離れた場所に並び、「近くの画素どうしは関係が深い」という画像の形の情報が失われる。**畳み込みニューラルネットワーク**（CNN）は、画像を (チャンネル, 高さ, 幅) の3次元の形のまま扱う。

# %%
from zerodl.figures.convolution import flatten_figure

show(flatten_figure)

# %% [markdown]
# ## 畳み込み演算
#
# 畳み込み演算では、**フィルター**（カーネル）を入力の上で少しずつずらしながら、重なった要素どうしの積の和を出力にする。これは画像処理でいうフィルター演算である。フィルターの値が CNN の重みで、最後に**バイアス**を全要素に足す。本の例（4×4 の入力、3×3 のフィルター、バイアス 3）を図と zerodl の `Convolution` レイヤで確かめる。

# %%
from zerodl.figures.convolution import convolution_bias_figure

show(convolution_bias_figure)

# %% [markdown]
# `Convolution(W, b, stride, pad)` の `W` は (フィルターの数 FN, チャンネル C, 高さ FH, 幅 FW)、入力は (データの数 N, C, 高さ H, 幅 W) の4次元の配列である。フィルター、バイアス、`stride`、`pad` を変えて、出力がどう変わるかを見よう。

# %%
from zerodl.figures.convolution import BOOK_FILTER, BOOK_INPUT
from zerodl.layers import Convolution

image = np.array(BOOK_INPUT, dtype=float)
filt = np.array(BOOK_FILTER, dtype=float)
bias, stride, pad = 3.0, 1, 0

conv = Convolution(filt.reshape(1, 1, 3, 3), np.array([bias]), stride=stride, pad=pad)
out = conv.forward(image.reshape(1, 1, 4, 4))
print("出力の形状", out.shape)
print(out[0, 0])

# %% [markdown]
# ## パディングとストライド
#
# 入力の周りを 0 で埋めるのが**パディング**、フィルターをずらす間隔が**ストライド**である。パディングは出力を小さくしすぎないために、ストライドは出力を小さくするために使う。入力の大きさを $H$、フィルターを $FH$、パディングを $P$、ストライドを $S$ とすると、出力の大きさは次のとおりである。
#
# $$
# OH = \frac{H + 2P - FH}{S} + 1
# $$

# %%
from zerodl.figures.convolution import padding_figure, stride_figure

show(padding_figure)
show(stride_figure)

# %% [markdown]
# ### 練習問題 1
#
# 上の式で出力の大きさを計算する関数 `out_size(H, FH, P, S)` を書き、(1) $H = 28,\ FH = 5,\ P = 0,\ S = 1$、(2) $H = 28,\ FH = 3,\ P = 1,\ S = 1$、(3) $H = 7,\ FH = 3,\ P = 1,\ S = 2$ の場合を計算せよ。`Convolution` の出力の形状と一致するか確かめよ。

# %% [markdown]
# <details><summary>答え</summary>
#
# (1) $(28 - 5)/1 + 1 = 24$、(2) $(28 + 2 - 3)/1 + 1 = 28$（入力と同じ大きさ。3×3 のフィルターにパディング 1 は、大きさを保つ定番の組み合わせである）、(3) $(7 + 2 - 3)/2 + 1 = 4$。割り切れない組み合わせでは、はみ出した部分は使われない（zerodl は本と同じく切り捨てる）。
#
# </details>

# %%
def out_size(H, FH, P, S):
    return (H + 2 * P - FH) // S + 1


for H, FH, P, S in [(28, 5, 0, 1), (28, 3, 1, 1), (7, 3, 1, 2)]:
    layer = Convolution(np.ones((1, 1, FH, FH)), np.zeros(1), stride=S, pad=P)
    shape = layer.forward(np.zeros((1, 1, H, H))).shape
    print((H, FH, P, S), "式", out_size(H, FH, P, S), "Convolution", shape[2:])

# %% [markdown]
# ## 3次元のデータとバッチ
#
# カラー画像のようにチャンネルが複数あるとき、フィルターも同じ数のチャンネルを持ち、チャンネルごとの畳み込みの結果を足して1枚の出力にする。フィルターを FN 個使えば、出力は FN チャンネルになる（FN 枚の**特徴マップ**）。さらに N 枚の画像をまとめて処理すると、データは4次元 (N, C, H, W) になる。

# %%
from zerodl.figures.cnn_shapes import batch_figure

show(batch_figure)

# %% [markdown]
# ## プーリング層
#
# **プーリング**は縦横の大きさを小さくする演算である。2×2 の **Max プーリング**（ストライド 2）は、2×2 の領域ごとに最大値を取る。学習するパラメータはなく、チャンネルの数は変わらない。入力が少しずれても、領域の中の最大値は同じになりやすいので、小さな位置のずれに強い。

# %%
from zerodl.figures.convolution import POOL_INPUT, max_pooling_figure
from zerodl.layers import Pooling

show(max_pooling_figure)
pool = Pooling(pool_h=2, pool_w=2, stride=2)
print(pool.forward(np.array(POOL_INPUT, dtype=float).reshape(1, 1, 4, 4))[0, 0])

# %% [markdown]
# ## im2col
#
# 畳み込みを素直に for 文で書くと、NumPy では遅い。**im2col** は、フィルターが重なる入力の領域（パッチ）を1行ずつ並べた行列を作る。するとフィルターをまとめた行列との積1回で、すべての位置の積の和が求まる。メモリは多く使うが、大きな行列の積は速い。

# %%
from zerodl.figures.convolution import im2col_figure
from zerodl.im2col import im2col

show(im2col_figure)
x = np.random.default_rng(0).random((10, 3, 7, 7))  # 10 枚、3 チャンネル、7×7
col = im2col(x, 5, 5, stride=1, pad=0)
print("im2col の結果", col.shape, "= (10 枚 × 出力 3×3 の位置, 3 チャンネル × 5×5)")

# %% [markdown]
# ### 練習問題 2
#
# for 文で畳み込みを計算する関数 `conv_loops(x, W, b)`（ストライド 1、パディングなし、入力は (N, C, H, W)、フィルターは (FN, C, FH, FW)）を書き、`Convolution` と結果が一致することを確かめよ。5 枚の 28×28 の画像に 5×5 のフィルター 30 個をかけるとき、かかる時間も比べよ。

# %% [markdown]
# <details><summary>答え</summary>
#
# 画像、フィルター、出力の行、出力の列の4重の for 文で、出力の要素1つごとにパッチとフィルターの積の和を取る。出力の要素は $5 \times 30 \times 24 \times 24 = 86{,}400$ 個あり、その1つずつで Python のループが回るので、im2col で1回の行列の積にまとめる `Convolution` より 100 倍以上遅い（`Convolution` の1回目はスレッドの準備に時間がかかるので、2回目を測る）。
#
# </details>

# %%
def conv_loops(x, W, b):
    N, _, H, W_ = x.shape
    FN, _, FH, FW = W.shape
    out = np.empty((N, FN, H - FH + 1, W_ - FW + 1))
    for n in range(N):
        for f in range(FN):
            for i in range(H - FH + 1):
                for j in range(W_ - FW + 1):
                    out[n, f, i, j] = np.sum(x[n, :, i:i + FH, j:j + FW] * W[f]) + b[f]
    return out


rng = np.random.default_rng(0)
x = rng.random((5, 1, 28, 28))
W, b = rng.standard_normal((30, 1, 5, 5)), rng.standard_normal(30)
start = time.perf_counter()
by_loops = conv_loops(x, W, b)
loops = time.perf_counter() - start
layer = Convolution(W, b)
layer.forward(x)
start = time.perf_counter()
by_layer = layer.forward(x)
im2col_seconds = time.perf_counter() - start
print("一致", np.allclose(by_loops, by_layer))
print(f"for 文 {loops * 1000:.0f} ミリ秒、Convolution {im2col_seconds * 1000:.1f} ミリ秒")

# %% [markdown]
# ## SimpleConvNet
#
# 本の `SimpleConvNet` は、Convolution → ReLU → Pooling → Affine → ReLU → Affine → Softmax の順に層を重ねた CNN である。1層目は 5×5 のフィルター 30 個で、28×28 の画像を 30 チャンネルの 24×24 にし、プーリングで 12×12 にする。

# %%
from zerodl.figures.cnn_shapes import simple_convnet_figure

show(simple_convnet_figure)

# %% [markdown]
# MNIST を `flatten=False` で (N, 1, 28, 28) の形のまま読み、本と同じ Adam（学習率 0.001）で学習させる。zerodl の畳み込み層とプーリング層は、バッチを数枚ずつに分けて CPU のコアで分担する。図の題は `tr(英語, 日本語)` で書くと、`inline_figures.LANGUAGE` の言語で描かれる（`show` の中で評価されるように、`lambda` の中に書く）。

# %%
from zerodl.datasets import load_mnist
from zerodl.figures.cnn import plot_accuracy
from zerodl.nets import SimpleConvNet
from zerodl.plotting import tr
from zerodl.trainer import Trainer

(x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
print("訓練", x_train.shape, "テスト", x_test.shape)

net = SimpleConvNet(seed=0)
before = net.params["W1"].copy()
trainer = Trainer(net, x_train[:TRAIN_IMAGES], t_train[:TRAIN_IMAGES],
                  x_test[:TEST_IMAGES], t_test[:TEST_IMAGES], epochs=EPOCHS,
                  optimizer="Adam", optimizer_param={"lr": 0.001}, verbose=False)
history = trainer.train()
print("テストデータの認識精度", history["test_acc"])
images = len(trainer.x_train)
show(lambda path: plot_accuracy(history, path, tr(f"SimpleConvNet, Adam, {images:,} training images",
                                                  f"SimpleConvNet（Adam、訓練画像 {images:,} 枚）")))

# %% [markdown]
# ## 1層目のフィルターは何を学ぶか
#
# 本は、訓練画像すべてで学習させた `SimpleConvNet` の重みを、本のリポジトリ（https://github.com/oreilly-japan/deep-learning-from-scratch ）の `ch07/params.pkl` として公開している。次のセルは、このノートブックの隣にファイルがなければ取ってきて、zerodl の `import_book_model` で安全に読む（pickle のコードは実行しない）。

# %%
from urllib.request import urlretrieve

from zerodl.book_weights import import_book_model

if not Path("params.pkl").exists():
    urlretrieve("https://github.com/oreilly-japan/deep-learning-from-scratch/raw/HEAD/ch07/params.pkl",
                "params.pkl")
book_net = import_book_model("params.pkl", "simple-conv")
print("本の重みのテストデータの認識精度", book_net.accuracy(x_test, t_test))

# %% [markdown]
# 学習前のフィルターはでたらめな模様だが、学習したフィルターには、白から黒へ変わる境目（**エッジ**）や、ひとかたまりの領域（**ブロブ**）に反応する規則的な模様が現れる。短い学習でも、模様ができはじめているのがわかる。

# %%
from zerodl.figures.cnn import plot_filters

show(lambda path: plot_filters({
    tr("before training", "学習前"): before,
    tr(f"after {EPOCHS} epochs here", f"ここで {EPOCHS} エポック学習後"): net.params["W1"],
    tr("the book's weights", "本の学習済みの重み"): book_net.params["W1"]}, path))

# %% [markdown]
# フィルターを1枚のテスト画像にかけると、縦のエッジのフィルターは数字の縦の線に、横のエッジのフィルターは横の線に強く反応する。1層目は、このような低いレベルの特徴を取り出している。

# %%
from zerodl.figures.cnn import plot_filter_responses

W1, b1 = book_net.params["W1"], book_net.params["b1"]
shown = show(lambda path: plot_filter_responses(W1, b1, x_test[0], path))
print("表示したフィルター（0 から数えた番号）", shown)

# %% [markdown]
# ### 練習問題 3
#
# 縦のエッジに反応する 3×3 のフィルターを自分で作り（例えば左の列が 1、右の列が -1）、`Convolution` でテスト画像 `x_test[0]` にかけて、入力と出力を並べて表示せよ。フィルターを転置すると何に反応するか。

# %% [markdown]
# <details><summary>答え</summary>
#
# 左の列が 1、中央が 0、右の列が -1 のフィルターは、左が明るく右が暗い境目で正の大きな値を、逆の境目で負の大きな値を出す。数字の縦の線の左右の縁が浮かび上がる。転置すると上下の境目、つまり横の線に反応する。CNN はこのようなフィルターを、人が設計する代わりにデータから学ぶ。
#
# </details>

# %%
vertical = np.array([[1.0, 0.0, -1.0]] * 3)
filters = np.stack([vertical, vertical.T]).reshape(2, 1, 3, 3)
responses = Convolution(filters, np.zeros(2), pad=1).forward(x_test[:1].astype(float))[0]

fig, axes = plt.subplots(1, 3, figsize=(8, 3))
axes[0].imshow(x_test[0, 0], cmap="gray")
axes[0].set_title("input")
for ax, response, name in zip(axes[1:], responses, ("vertical filter", "its transpose"), strict=True):
    ax.imshow(response, cmap="RdBu_r", vmin=-3, vmax=3)
    ax.set_title(name)
for ax in axes:
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ## まとめ
#
# - 畳み込み層は、フィルターをずらしながら積の和を取り、画像の形を保ったまま特徴マップを作る。出力の大きさはパディングとストライドで決まる。
# - プーリング層は縦横を小さくする。パラメータを持たず、小さな位置のずれに強い。
# - im2col は畳み込みを1回の大きな行列の積にする。for 文より桁違いに速い。
# - 学習した1層目のフィルターは、エッジやブロブのような低いレベルの特徴に反応する。
#
# 次のノートブック（07）では、層をさらに深くしたネットワークを見る。
