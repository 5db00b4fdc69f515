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
# # 7. ディープラーニング
#
# 教科書8章のノートブックである。3×3 の畳み込み層を6つ重ねた本の `DeepConvNet` の構造と計算量を見て、層を深くする利点を確かめる。本が公開している学習済みの重みで、誤認識する画像、層ごとの特徴マップ、**データ拡張**、半精度の浮動小数点数（float16）での推論を試し、最後に自分で学習させてみる。

# %% [markdown]
# ## 準備
#
# `FULL = True` にすると、テスト画像すべてで測り、最後の学習を本の規模（訓練画像すべてで 20 エポック、CPU では数十分かかる）で行う。既定の `False` では、テスト画像 2,000 枚で測り、訓練画像 1,000 枚で 1 エポックだけ学習させる。図は zerodl の図の関数が描き、このフォルダの `inline_figures.py` の `show` がセルの下に表示する。日本語のフォント（Noto Sans CJK JP）がない環境では、`inline_figures.LANGUAGE = "en"` とすると図の文字が英語になる。

# %%
from pathlib import Path

import numpy as np
from inline_figures import show

FULL = False
TEST_IMAGES = None if FULL else 2000  # None はテスト画像すべて
TRAIN_IMAGES = None if FULL else 1000
EPOCHS = 20 if FULL else 1

# %% [markdown]
# ## より深いネットワーク
#
# 本の `DeepConvNet` は、3×3 の小さなフィルターの畳み込み層（と ReLU）を2つ重ねてプーリング層で縦横を半分にする組を3回繰り返し、Affine レイヤ2つと Dropout で終わる。重みの初期値は He の初期値、最適化手法は Adam である。zerodl の `plot_architecture` は、ネットワークに実際に画像を通して、各層の出力の形状を描く。
#
# この章の図の関数は、描くもの（ネットワークや画像）を先に、ファイルのパスを最後に受け取る。`show` にはパスだけを受け取る関数を `lambda path: ...` で包んで渡す。

# %%
from zerodl.figures.deep import plot_architecture, plot_layer_costs
from zerodl.nets import DeepConvNet

rows = show(lambda path: plot_architecture(DeepConvNet(seed=0), path))
for row in rows:
    if row["params"]:
        print(f"{row['name']:8} 出力 {row['shape']!s:13} パラメータ {row['params']:>6,}",
              f"積和 {row['multiply_adds']:>9,}")

# %% [markdown]
# パラメータは畳み込み層と Affine レイヤにおよそ半分ずつあり、Affine レイヤ1つ（`Affine1`）だけで4割を占める。ところが計算（1枚あたりの積和の回数）は、ほとんどすべてが畳み込み層のものである。畳み込み層は少ない重みを画像のあらゆる位置で使い回すからである。

# %%
print(show(lambda path: plot_layer_costs(rows, path)))

# %% [markdown]
# ### 練習問題 1
#
# `Conv1`（入力 1 チャンネル、3×3 のフィルター 16 個）と `Conv2`（入力 16 チャンネル、3×3 のフィルター 16 個）のパラメータの数を手で計算し、上の表と比べよ。`Conv2` の出力（16×28×28）の1要素を計算するのに積和は何回要るか。

# %% [markdown]
# <details><summary>答え</summary>
#
# フィルターの重みは（フィルターの数）×（チャンネル）×3×3、バイアスはフィルター1つに1個なので、`Conv1` は $16 \times 1 \times 9 + 16 = 160$、`Conv2` は $16 \times 16 \times 9 + 16 = 2{,}320$ である。出力の1要素は、16 チャンネルぶんの 3×3 の領域とフィルター1つの積和なので $16 \times 9 = 144$ 回、出力全体では $16 \times 28 \times 28 \times 144 = 1{,}806{,}336$ 回になる。
#
# </details>

# %%
conv1, conv2 = (next(r for r in rows if r["name"] == name) for name in ("Conv1", "Conv2"))
print("Conv1", 16 * 1 * 9 + 16, conv1["params"])
print("Conv2", 16 * 16 * 9 + 16, conv2["params"])
print("Conv2 の積和", 16 * 28 * 28 * 16 * 9, conv2["multiply_adds"])

# %% [markdown]
# ## 層を深くする利点
#
# 3×3 の畳み込みを2層重ねると、出力の1画素は入力の 5×5 の領域を見ることになる（**受容野**）。5×5 の畳み込み1層と同じ範囲を、チャンネル1組あたり 25 個ではなく 18 個の重みで見られ、間に ReLU を挟めるので表現力も上がる。層を深くすると、少ないパラメータで広い範囲を、段階的に学習できる。

# %%
from zerodl.figures.deep import plot_receptive_fields

print(show(plot_receptive_fields))

# %% [markdown]
# ### 練習問題 2
#
# 3×3 の畳み込み（パディングなし）を $L$ 層重ねたときの受容野の幅を式で表し、zerodl の `receptive_field(depth)`（出力の中央の1画素から逆伝播して、入力のどの画素に届くかを数える関数）で $L = 1, \dots, 5$ について確かめよ。

# %% [markdown]
# <details><summary>答え</summary>
#
# 1層重ねるごとに、見える範囲は上下左右に1画素ずつ広がる。したがって幅は $2L + 1$ で、フィルターの大きさが $k$ なら $L(k - 1) + 1$ である。逆伝播で微分が届く入力の画素が、その出力の画素に影響する画素、つまり受容野になる。
#
# </details>

# %%
from zerodl.figures.deep import receptive_field

for depth in range(1, 6):
    field = receptive_field(depth, canvas=15)
    width = int(np.count_nonzero(field.any(axis=0)))
    print(f"{depth} 層：幅 {width}（式 {2 * depth + 1}）")

# %% [markdown]
# ## 本の学習済みの DeepConvNet
#
# 本は学習済みの重みを、本のリポジトリ（https://github.com/oreilly-japan/deep-learning-from-scratch ）の `ch08/deep_convnet_params.pkl` として公開している。次のセルは、このノートブックの隣にファイルがなければ取ってきて、zerodl の `import_book_model` で安全に読む（pickle のコードは実行しない）。

# %%
from urllib.request import urlretrieve

from zerodl.book_weights import import_book_model
from zerodl.datasets import load_mnist

if not Path("deep_convnet_params.pkl").exists():
    urlretrieve("https://github.com/oreilly-japan/deep-learning-from-scratch/raw/HEAD/ch08/"
                "deep_convnet_params.pkl", "deep_convnet_params.pkl")
net = import_book_model("deep_convnet_params.pkl", "deep-conv")

(x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
x_eval, t_eval = x_test[:TEST_IMAGES], t_test[:TEST_IMAGES]
predicted = net.predict_classes(x_eval)
print(f"テスト画像 {len(x_eval):,} 枚の認識精度", np.mean(predicted == t_eval))

# %% [markdown]
# 誤認識した画像を見ると、人が見ても迷うものが多い。

# %%
from zerodl.figures.deep import plot_misclassified

digits = [str(d) for d in range(10)]
wrong = show(lambda path: plot_misclassified(x_eval, t_eval, predicted, digits, path))
print("誤認識", wrong, "枚")

# %% [markdown]
# 層が深くなるにつれて、特徴マップは小さく、抽象的になる。1層目のようなエッジの情報から、後ろの層ほど数字の部分的な形のような、より複雑な情報を取り出していると考えられる。下の図は、1枚の数字が2、4、6番目の畳み込み層（と ReLU）を通ったあとの、先頭の6チャンネルである。

# %%
from zerodl.figures.deep import plot_feature_maps

show(lambda path: plot_feature_maps(net, x_test[0], path))

# %% [markdown]
# ## データ拡張
#
# 訓練画像を少しずらしたり、回したり、切り出して拡大したりして、人工的に増やすのが**データ拡張**である。ラベルはそのままで、画像は別物になる。手軽だが、認識精度を上げるのによく効く。

# %%
from zerodl.figures.deep import plot_augmentation

picks = [int(np.flatnonzero(t_train == digit)[0]) for digit in (3, 6, 8)]
show(lambda path: plot_augmentation(x_train[picks], path))

# %% [markdown]
# ### 練習問題 3
#
# テスト画像の先頭 500 枚を右へ 0、2、4、6 画素ずらして（zerodl の `shift(image, dy, dx)`）、本の DeepConvNet の認識精度がどう変わるかを調べよ。結果はデータ拡張とどう関係するか。

# %% [markdown]
# <details><summary>答え</summary>
#
# 1、2 画素のずれでは認識精度は少し下がるだけだが、4 画素、6 画素とずれが大きくなると大きく下がる。プーリング層のおかげで小さなずれには強いものの、MNIST の数字はどれも枠の中央にそろえて書かれており、大きくずれた数字を学習のときに見ていないからである。ずらした画像を訓練データに加えるデータ拡張をすれば、ずれにも強くなる。
#
# </details>

# %%
from zerodl.figures.deep import shift

x_few, t_few = x_test[:500], t_test[:500]
for dx in (0, 2, 4, 6):
    shifted = np.stack([shift(image[0], 0, dx) for image in x_few])[:, None]
    print(f"右へ {dx} 画素：認識精度 {net.accuracy(shifted, t_few):.3f}")

# %% [markdown]
# ## 半精度での推論
#
# ディープラーニングの計算は、64ビットや32ビットほどの精度を必要としない。zerodl の `convert_dtype` で重みを16ビットの半精度（float16）にすると、重みのメモリは半分になり、予測はほとんど変わらない。GPU には半精度の計算が速いものも多い。

# %%
from zerodl.figures.deep import plot_half_precision
from zerodl.nets import convert_dtype

half = convert_dtype(net, np.float16)
print(show(lambda path: plot_half_precision(net, half, x_test[:1000], t_test[:1000], path)))

# %% [markdown]
# ## 自分で学習させる
#
# 本の重みは、訓練画像 60,000 枚で長い時間をかけて学習させた結果である。zerodl の `DeepConvNet` を本と同じ Adam（学習率 0.001）で学習させてみる。既定の設定では訓練画像 1,000 枚で 1 エポック（10 回の更新）しか学習しないので、認識精度はまだ低い。`FULL = True` にするか、`TRAIN_IMAGES` と `EPOCHS` を増やして試そう。GPU があれば、`zerodl train --model deep-conv --device cuda` のように CuPy で同じコードが速く動く。

# %%
from zerodl.trainer import Trainer

mine = DeepConvNet(seed=0)
history = Trainer(mine, x_train[:TRAIN_IMAGES], t_train[:TRAIN_IMAGES], x_test[:1000], t_test[:1000],
                  epochs=EPOCHS, optimizer="Adam", optimizer_param={"lr": 0.001},
                  verbose=False).train()
print("テスト画像 1,000 枚の認識精度（エポックごと）", history["test_acc"])

# %% [markdown]
# ## ディープラーニングの発展
#
# 本の8章は、この先の話題を紹介して終わる。
#
# - **ImageNet** の大規模な画像認識のコンテストで、VGG（3×3 の畳み込みを重ねた深いネットワーク）、GoogLeNet（幅も広げたインセプション構造）、ResNet（入力を飛び越えて足す**スキップ構造**で、さらに深くしても学習できる）が精度を競った。
# - 学習済みの重みを別の問題の初期値にして学習し直す**転移学習**は、データが少ないときに有効である。
# - 大量の積和は GPU で並列に計算し、さらに複数の GPU や計算機に分散する。計算に要るビット数を減らすことも高速化になる（上の半精度）。
# - 物体検出、セグメンテーション、画像キャプション生成、画像スタイル変換、画像生成、自動運転、強化学習（Deep Q-Network）など、応用は広い。
#
# ## まとめ
#
# - 3×3 の小さな畳み込み層を重ねると、少ないパラメータで広い受容野を持ち、段階的に複雑な特徴を学習できる。
# - 計算のほとんどは畳み込み層にある。Affine レイヤは計算が少ないわりに、パラメータを多く持つ。
# - データ拡張は、ラベルを変えずに訓練画像を増やす。モデルが見ていない変化（大きなずれなど）への強さを補う。
# - 推論は半精度でもほとんど変わらない。
