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
# # 3. ニューラルネットワークの学習
#
# 教科書4章のノートブックである。ネットワークの良し悪しを**損失関数**で測り、その**勾配**を**数値微分**で求め、勾配の逆向きに重みを少しずつ動かす（**勾配降下法**）。最後に、2層のネットワークを MNIST のミニバッチで学習させる。

# %% [markdown]
# ## 準備
#
# `FULL = True` にすると、最後の学習を本の規模（10,000 回の更新）で行う。既定の `False` では、数秒で終わるように回数を減らしてある。図は zerodl の図の関数が描き、このフォルダの `inline_figures.py` の `show` がセルの下に表示する。日本語のフォント（Noto Sans CJK JP）がない環境では、`inline_figures.LANGUAGE = "en"` とすると図の文字が英語になる。

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from inline_figures import show

FULL = False
ITERATIONS = 10_000 if FULL else 1_000  # 最後の学習でのパラメータの更新回数
EPOCHS = 17 if FULL else 3              # Trainer で学習するエポック数

# %% [markdown]
# ## データから学習する
#
# 手書きの「5」を見分ける規則を人が書き下すのは難しい。機械学習では、人が考えた特徴量（SIFT や HOG など）を取り出してから学習させる方法もあるが、ニューラルネットワーク（ディープラーニング）は画像そのものから答えまでをまとめて学習する。
#
# データは**訓練データ**と**テストデータ**に分ける。訓練データで学習し、まだ見ていないテストデータで性能を測る。訓練データにだけ合いすぎて、ほかのデータで性能が出ない状態を**過学習**という。

# %%
from zerodl.figures.learning import learning_approaches

show(learning_approaches)

# %% [markdown]
# ## 損失関数
#
# ネットワークの出力が正解からどれだけ離れているかを1つの数で表すのが**損失関数**である。学習は、損失関数の値を小さくする重みを探すことになる。本は2つを紹介する。正解ラベルは、正解のクラスだけ 1 で残りが 0 の **one-hot 表現** $t$ で表す。
#
# $$
# \text{2乗和誤差} \quad E = \frac{1}{2}\sum_k (y_k - t_k)^2, \qquad
# \text{交差エントロピー誤差} \quad E = -\sum_k t_k \log y_k
# $$
#
# 交差エントロピー誤差は、正解クラスの出力 $y$ だけで決まり、$-\log y$ になる。`y` の値（正解「2」に対する出力 `y[2]` など）を変えて、2つの損失がどう動くかを見よう。

# %%
from zerodl.functions import cross_entropy_error, sum_squared_error

t = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])                 # 正解は「2」
y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])  # 「2」の確率が最も高い
y7 = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])  # 「7」の確率が最も高い
for name, output in [("2 と答えた", y), ("7 と答えた", y7)]:
    print(name, "2乗和誤差", round(sum_squared_error(output, t), 4),
          "交差エントロピー誤差", round(cross_entropy_error(output, t), 4))

# %%
from zerodl.figures.learning import cross_entropy_curve

show(cross_entropy_curve)

# %% [markdown]
# ## ミニバッチ
#
# 訓練データ全体の損失の平均を毎回計算するのは重い。そこで、訓練データから無作為に選んだ一部（**ミニバッチ**）の損失の平均で代用する。zerodl の `cross_entropy_error` は、バッチ (N, 10) の出力と、one-hot でも整数でもよいラベルを受け取り、N 件の平均を返す。

# %%
from zerodl.datasets import load_mnist

(x_train, t_train), (x_test, t_test) = load_mnist()
print("訓練", x_train.shape, "テスト", x_test.shape)

rng = np.random.default_rng(0)
batch_mask = rng.choice(len(x_train), 10)
print("選んだ番号", batch_mask)
print("そのラベル", t_train[batch_mask])

Y = np.array([y, y7])
print(cross_entropy_error(Y, np.array([2, 2])), cross_entropy_error(Y, np.array([t, t])))

# %% [markdown]
# ## 数値微分
#
# 重みを少し動かしたとき損失がどれだけ変わるか、つまり微分がわかれば、損失を減らす向きがわかる。関数 $f$ の $x$ での微分を、小さな $h$ を使った**中心差分**で近似するのが**数値微分**である。
#
# $$
# \frac{df}{dx} \approx \frac{f(x + h) - f(x - h)}{2h}
# $$
#
# $h$ は小さいほどよいわけではない。$h$ が小さすぎると、浮動小数点数の丸め誤差が差 $f(x+h) - f(x-h)$ を食いつぶす。zerodl の `numerical_diff` は本と同じ $h = 10^{-4}$ を使う。

# %%
from zerodl.gradient import numerical_diff


def function_1(x):
    return 0.01 * x**2 + 0.1 * x


print("数値微分", numerical_diff(function_1, 5.0), "解析的な微分", 0.02 * 5.0 + 0.1)
h = 1e-50
print("h = 1e-50 の差分", (function_1(5.0 + h) - function_1(5.0 - h)) / (2 * h))

# %%
from zerodl.figures.learning import numerical_diff_error

show(numerical_diff_error)

# %% [markdown]
# ### 練習問題 1
#
# 中心差分の代わりに**前方差分** $(f(x + h) - f(x)) / h$ を使うと、誤差はどうなるか。`function_1` の $x = 5$ での微分（正しくは 0.2）を、$h = 10^{-2}, 10^{-4}, 10^{-6}$ について両方の差分で計算して比べよ。

# %% [markdown]
# <details><summary>答え</summary>
#
# テイラー展開すると、前方差分の誤差は $h$ に比例し、中心差分の誤差は $h^2$ に比例する（$h$ の1次の項が打ち消し合う）。この `function_1` は2次式なので、中心差分は丸め誤差を除けば正確な値を返し、前方差分だけが $0.01h$ ずれる。$h$ を小さくすると前方差分の誤差は減るが、やがて丸め誤差が増えてくる（上の図の左側）。
#
# </details>

# %%
for h in (1e-2, 1e-4, 1e-6):
    forward = (function_1(5.0 + h) - function_1(5.0)) / h
    central = (function_1(5.0 + h) - function_1(5.0 - h)) / (2 * h)
    print(f"h = {h:g}：前方差分の誤差 {abs(forward - 0.2):.1e}、中心差分の誤差 {abs(central - 0.2):.1e}")

# %% [markdown]
# ## 偏微分と勾配
#
# 変数が複数ある関数 $f(x_0, x_1) = x_0^2 + x_1^2$ では、1つの変数だけを動かしたときの微分（**偏微分**）を変数ごとに求める。すべての偏微分をまとめたベクトル $\left(\frac{\partial f}{\partial x_0}, \frac{\partial f}{\partial x_1}\right)$ を**勾配**という。zerodl の `numerical_gradient(f, x)` は、配列 `x` の要素を1つずつ $\pm h$ 動かして、勾配を数値微分で求める。

# %%
from zerodl.gradient import numerical_gradient


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


for point in ([3.0, 4.0], [0.0, 2.0], [3.0, 0.0]):
    print(point, "の勾配", numerical_gradient(function_2, np.array(point)))

# %% [markdown]
# 勾配にマイナスを付けた矢印を平面に描くと、どの矢印も関数の値が最も小さくなる点 $(0, 0)$ を向く。勾配の逆向きは、各点で関数の値を最も減らす方向である。

# %%
from zerodl.figures.learning import gradient_field

show(gradient_field)

# %% [markdown]
# ## 勾配降下法
#
# 勾配の逆向きに少し進み、そこでまた勾配を求めて進む。これを繰り返すのが**勾配降下法**である。1回に進む量を決めるのが**学習率** $\eta$ で、人が決める**ハイパーパラメータ**である。
#
# $$
# x \leftarrow x - \eta \frac{\partial f}{\partial x}
# $$
#
# `lr` を 0.1、10.0、1e-10 などに変えて、100 ステップ後の位置を見よう。大きすぎると発散し、小さすぎるとほとんど進まない。

# %%
from zerodl.gradient import gradient_descent

lr = 0.1

x, history = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=lr, step_num=100,
                              return_history=True)
print("100 ステップ後", x)
fig, ax = plt.subplots(figsize=(4, 4))
ax.plot(history[:, 0], history[:, 1], "o-", ms=3)
ax.plot(0, 0, "+", color="black", ms=12)
ax.set_title(f"lr = {lr:g}")
ax.set_xlabel("$x_0$")
ax.set_ylabel("$x_1$")
ax.set_aspect("equal")
plt.show()

# %%
from zerodl.figures.learning import learning_rates

show(learning_rates)

# %% [markdown]
# ### 練習問題 2
#
# $f(x_0, x_1) = x_0^2 + 10x_1^2$ に $(-3, 4)$ から勾配降下法を 100 ステップ使う。学習率をいくつより小さくすれば収束するか、式で考えてから、0.09、0.1、0.11 で確かめよ。

# %% [markdown]
# <details><summary>答え</summary>
#
# $x_1$ の更新は $x_1 \leftarrow x_1 - \eta \cdot 20x_1 = (1 - 20\eta)\,x_1$ である。毎回 $1 - 20\eta$ 倍されるので、$|1 - 20\eta| < 1$、つまり $\eta < 0.1$ なら 0 に近づき、$\eta = 0.1$ では $-1$ 倍で振動し続け、それより大きいと発散する。$x_0$ は $(1 - 2\eta)$ 倍なので、もっと大きな学習率まで収束する。最も急な方向が、使える学習率の上限を決める。これはノートブック05（本の6章）で、SGD が苦手とする関数の話につながる。
#
# </details>

# %%
def function_3(x):
    return x[0] ** 2 + 10 * x[1] ** 2


for lr in (0.09, 0.1, 0.11):
    print(lr, gradient_descent(function_3, np.array([-3.0, 4.0]), lr=lr, step_num=100))

# %% [markdown]
# ## ニューラルネットワークの勾配
#
# ニューラルネットワークでは、損失関数を重みの関数と見て、重みについての勾配を求める。zerodl の `TwoLayerNet` は本の2層のネットワーク（Affine → ReLU → Affine → Softmax）で、重みとバイアスを `params` に W1、b1、W2、b2 の名前で持つ。`numerical_gradient(x, t)` は、すべての重みについて損失の勾配を数値微分で求める。

# %%
from zerodl.nets import TwoLayerNet

small = TwoLayerNet(input_size=784, hidden_size=10, output_size=10, seed=0)
start = time.perf_counter()
grads = small.numerical_gradient(x_train[:10], t_train[:10])
seconds = time.perf_counter() - start
count = sum(p.size for p in small.params.values())
print({key: g.shape for key, g in grads.items()})
print(f"重み {count} 個の勾配に {seconds:.1f} 秒（順伝播 {2 * count} 回）")

# %% [markdown]
# 数値微分は、重み1つにつき順伝播を2回するので遅い。隠れ層 50 の本のネットワーク（重み 39,760 個）で 10,000 回更新すると、何時間もかかる。次のノートブック（04）で学ぶ**誤差逆伝播法**なら、同じ勾配が順伝播1回ぶんほどの手間で求まる。zerodl の `loss_and_gradient` がそれである。ここでは中身を先取りして使い、学習の流れに集中する。
#
# ## 学習アルゴリズム
#
# 本の学習は次の繰り返しである。
#
# 1. 訓練データからミニバッチを無作為に選ぶ。
# 2. ミニバッチの損失について、各重みの勾配を求める。
# 3. 重みを勾配の逆向きに、学習率ぶんだけ動かす。
#
# ミニバッチを無作為に選ぶので、**確率的勾配降下法**（SGD）と呼ぶ。訓練データを一巡りする更新回数を1**エポック**とし、エポックごとに訓練データとテストデータの認識精度を測る。

# %%
net = TwoLayerNet(input_size=784, hidden_size=50, output_size=10, seed=0)
rng = np.random.default_rng(0)
batch_size, lr = 100, 0.1
iter_per_epoch = max(len(x_train) // batch_size, 1)

train_loss, train_acc, test_acc = [], [], []
for i in range(ITERATIONS):
    batch = rng.choice(len(x_train), batch_size)
    loss, grads = net.loss_and_gradient(x_train[batch], t_train[batch])
    for key in net.params:
        net.params[key] -= lr * grads[key]
    train_loss.append(loss)
    if (i + 1) % iter_per_epoch == 0:
        train_acc.append(net.accuracy(x_train, t_train))
        test_acc.append(net.accuracy(x_test, t_test))
        print(f"{len(train_acc)} エポック：訓練 {train_acc[-1]:.4f}、テスト {test_acc[-1]:.4f}")

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
left.plot(train_loss, lw=0.6)
left.set_xlabel("iteration")
left.set_ylabel("loss")
right.plot(range(1, len(train_acc) + 1), train_acc, "o-", label="train")
right.plot(range(1, len(test_acc) + 1), test_acc, "s--", label="test")
right.set_xlabel("epoch")
right.set_ylabel("accuracy")
right.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# 損失はミニバッチごとにばらつきながら下がっていき、訓練データとテストデータの認識精度はほぼそろって上がる。2つの差が開かないうちは、過学習は起きていない。
#
# zerodl の `Trainer` は、このループ（ただし毎エポック訓練データを並べ替えて一巡りする）を、進み具合の表示やチェックポイントの保存とともに行う。下の図の関数は、`Trainer` で `EPOCHS` エポック学習させて曲線を描く。

# %%
from zerodl.figures.learning import two_layer_learning_curves

data = (x_train, t_train), (x_test, t_test)
print(show(two_layer_learning_curves, data, epochs=EPOCHS))

# %% [markdown]
# ### 練習問題 3
#
# 学習率 `lr` を 0.01、0.1、0.5 に変えて、500 回更新したあとのテストデータの認識精度を比べよ。上のループから認識精度の計算を除いたものは、zerodl の `minibatch_sgd(network, x, t, iters, batch_size, lr, seed)` にある（1回ごとの損失のリストを返す）。

# %% [markdown]
# <details><summary>答え</summary>
#
# 学習率ごとに新しいネットワークを作り、`minibatch_sgd` で学習させてから認識精度を測る。学習率 0.01 では同じ回数でも重みがあまり動かず、認識精度が低いままである。0.1 から 0.5 あたりでは速く上がる。さらに大きくすると、損失が下がらなくなったり発散したりする。ちょうどよい学習率は試して探すしかなく、その探し方はノートブック05で扱う。
#
# </details>

# %%
from zerodl.figures.learning import minibatch_sgd

for lr in (0.01, 0.1, 0.5):
    trial = TwoLayerNet(input_size=784, hidden_size=50, output_size=10, seed=0)
    losses = minibatch_sgd(trial, x_train, t_train, iters=500, lr=lr)
    print(f"学習率 {lr}：最後の損失 {losses[-1]:.3f}、テストデータの認識精度 {trial.accuracy(x_test, t_test):.4f}")

# %% [markdown]
# ## まとめ
#
# - 学習は、損失関数（2乗和誤差や交差エントロピー誤差）の値が小さくなる重みを探すことである。計算を軽くするため、ミニバッチの損失で代用する。
# - 数値微分は中心差分で、$h = 10^{-4}$ 程度を使う。小さすぎる $h$ は丸め誤差で壊れる。
# - 勾配の逆向きに、学習率の大きさだけ進むのが勾配降下法である。学習率は大きすぎても小さすぎても学習が進まない。
# - 数値微分による勾配は重みの数だけ順伝播が要り、遅い。次のノートブック（04）の誤差逆伝播法がこれを解決する。
