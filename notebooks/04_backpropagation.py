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
# # 4. 誤差逆伝播法
#
# 教科書5章のノートブックである。計算を**計算グラフ**として描き、出力から入力へ向かって微分を伝えていく（**逆伝播**）と、すべての重みの勾配が順伝播と同じくらいの手間で求まる。これが**誤差逆伝播法**である。zerodl のレイヤ（`forward` と `backward` を持つ小さなクラス）を1つずつ確かめ、数値微分と比べる**勾配確認**をして、最後に学習させる。

# %% [markdown]
# ## 準備
#
# `FULL = True` にすると、最後の学習を本の規模（17 エポック）で行う。図は zerodl の図の関数が描き、このフォルダの `inline_figures.py` の `show` がセルの下に表示する。日本語のフォント（Noto Sans CJK JP）がない環境では、`inline_figures.LANGUAGE = "en"` とすると図の文字が英語になる。

# %%
import time

import numpy as np
from inline_figures import show

FULL = False
EPOCHS = 17 if FULL else 3  # 最後の学習のエポック数

# %% [markdown]
# ## 計算グラフ
#
# 本の例：1個 100 円のりんごを2個買い、消費税 10% を払う。計算を節点（ノード）と矢印で描いたものが計算グラフで、左から右へ計算を進めるのが**順伝播**である。逆に右から左へ、「その値が少し増えると、最後の支払額がどれだけ増えるか」（支払額のその値による微分）を伝えていくのが**逆伝播**である。

# %%
from zerodl.figures.backprop import apple_graph

show(apple_graph)

# %% [markdown]
# zerodl の `MulLayer` は乗算のノードである。`forward(x, y)` は `x * y` を返し、`backward(dout)` は上流から来た微分 `dout` に「もう一方の入力」を掛けて返す。りんごの値段や個数、税率を変えて実行してみよう。

# %%
from zerodl.layers import AddLayer, MulLayer

apple, apple_num, tax = 100, 2, 1.1

mul_apple, mul_tax = MulLayer(), MulLayer()
apple_price = mul_apple.forward(apple, apple_num)
price = mul_tax.forward(apple_price, tax)

dapple_price, dtax = mul_tax.backward(1)
dapple, dapple_num = mul_apple.backward(dapple_price)
print("支払額", round(price, 2))
print("りんごの値段による微分", round(dapple, 2), "個数", round(dapple_num, 2), "税率", dtax)

# %% [markdown]
# りんごの値段による微分が 2.2 なので、りんごが 1 円上がると支払額は 2.2 円増える。加算のノード（`AddLayer`）は、上流の微分をそのまま両方の入力へ流す。りんごとみかんの買い物では次のようになる。

# %%
from zerodl.figures.backprop import shopping_graph

show(shopping_graph)

# %% [markdown]
# ## 連鎖律
#
# 逆伝播が正しく微分を求められるのは、**連鎖律**のおかげである。合成関数 $z = t^2,\ t = x + y$ の微分は、それぞれの微分の積になる。
#
# $$
# \frac{\partial z}{\partial x} = \frac{\partial z}{\partial t}\frac{\partial t}{\partial x} = 2t \cdot 1
# $$
#
# 各ノードは、上流から来た微分に自分の**局所的な微分**を掛けて下流へ渡すだけでよい。

# %%
from zerodl.figures.backprop import chain_rule_graph

show(chain_rule_graph)

# %% [markdown]
# ### 練習問題 1
#
# `AddLayer` と `MulLayer` で $f = (x + y)\,z$ の計算グラフを作り、$x = -2,\ y = 5,\ z = -4$ のときの $\partial f/\partial x,\ \partial f/\partial y,\ \partial f/\partial z$ を逆伝播で求めよ。手計算の答えと一致するか。

# %% [markdown]
# <details><summary>答え</summary>
#
# $q = x + y = 3$、$f = qz = -12$ である。乗算のノードは入力を入れ替えて掛けるので $\partial f/\partial q = z = -4$、$\partial f/\partial z = q = 3$。加算のノードは微分をそのまま流すので $\partial f/\partial x = \partial f/\partial y = -4$ になる。
#
# </details>

# %%
add, mul = AddLayer(), MulLayer()
q = add.forward(-2, 5)
f = mul.forward(q, -4)
dq, dz = mul.backward(1)
dx, dy = add.backward(dq)
print("f =", f, " df/dx =", dx, " df/dy =", dy, " df/dz =", dz)

# %% [markdown]
# ## 活性化関数のレイヤ
#
# ReLU は、順伝播で $x > 0$ だった要素には微分をそのまま流し、$x \le 0$ だった要素では 0 にする。シグモイド関数 $y = 1/(1 + \exp(-x))$ の微分は、出力だけを使って $y(1 - y)$ と書ける。どちらのレイヤも、`backward` が使う値を `forward` のときに覚えておく。

# %%
from zerodl.figures.backprop import sigmoid_layer_graph

show(sigmoid_layer_graph)

# %%
from zerodl.functions import sigmoid
from zerodl.gradient import numerical_diff
from zerodl.layers import Relu, Sigmoid

x = np.array([-1.0, 0.0, 2.0])
relu, sig = Relu(), Sigmoid()
print("ReLU", relu.forward(x), "逆伝播", relu.backward(np.ones(3)))
y = sig.forward(x)
print("Sigmoid の逆伝播", sig.backward(np.ones(3)).round(4))
print("数値微分       ", np.round([numerical_diff(sigmoid, v) for v in x], 4))

# %% [markdown]
# ### 練習問題 2
#
# tanh 関数 $y = \tanh(x)$ の微分は $1 - y^2$ である。`forward` と `backward` を持つ `MyTanh` レイヤを自分で作り、いくつかの入力で zerodl の `Tanh` と逆伝播の結果が一致することを確かめよ。

# %% [markdown]
# <details><summary>答え</summary>
#
# `Sigmoid` と同じく、`forward` で出力 `y` を覚えておき、`backward` では上流の微分に局所的な微分 $1 - y^2$ を掛ける。入力 `x` を覚えて `backward` で $\tanh$ を計算し直してもよいが、出力を覚えておけば計算が1回で済む。
#
# </details>

# %%
from zerodl.layers import Tanh


class MyTanh:
    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        return dout * (1 - self.out**2)


x = np.linspace(-3, 3, 7)
dout = np.random.default_rng(0).standard_normal(7)
mine, theirs = MyTanh(), Tanh()
mine.forward(x)
theirs.forward(x)
print(np.allclose(mine.backward(dout), theirs.backward(dout)))

# %% [markdown]
# ## Affine レイヤと Softmax-with-Loss レイヤ
#
# 行列の積とバイアスの和 $Y = XW + B$ をまとめて1つのレイヤにしたものが **Affine レイヤ**である。逆伝播では、上流の微分 $\partial L/\partial Y$ から次を求める。形状をそろえるように転置を置く、と覚えればよい。
#
# $$
# \frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} W^{\mathsf T}, \qquad
# \frac{\partial L}{\partial W} = X^{\mathsf T} \frac{\partial L}{\partial Y}, \qquad
# \frac{\partial L}{\partial B} = \text{（}\frac{\partial L}{\partial Y}\text{ のバッチ方向の和）}
# $$

# %%
from zerodl.figures.backprop import affine_layer_graph

show(affine_layer_graph)

# %%
from zerodl.layers import Affine

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 2))  # バッチ 4 件、入力 2 次元
affine = Affine(rng.standard_normal((2, 3)), np.zeros(3))
Y = affine.forward(X)
dY = np.ones_like(Y)
dX = affine.backward(dY)
print("形状 X", X.shape, "Y", Y.shape, "dX", dX.shape, "dW", affine.dW.shape, "db", affine.db.shape)
print(np.allclose(affine.dW, X.T @ dY), affine.db)

# %% [markdown]
# 出力層のソフトマックス関数と交差エントロピー誤差をまとめた **Softmax-with-Loss レイヤ**の逆伝播は、驚くほど簡単な $(y - t)/N$ になる（$N$ はバッチの件数）。出力と正解の差がそのまま前の層へ伝わる。

# %%
from zerodl.figures.backprop import softmax_with_loss_graph
from zerodl.layers import SoftmaxWithLoss

show(softmax_with_loss_graph)

scores = np.array([[1.0, 3.0, 0.5], [2.0, 0.0, 0.0]])
labels = np.array([1, 0])
layer = SoftmaxWithLoss()
print("損失", round(layer.forward(scores, labels), 4))
print("y\n", layer.y.round(3))
print("逆伝播 (y - t) / 2\n", layer.backward().round(3))

# %% [markdown]
# ## 誤差逆伝播法の実装
#
# zerodl の `TwoLayerNet` は、レイヤを順番に並べたもの（`layers`）と、最後の `SoftmaxWithLoss`（`last_layer`）からなる。順伝播で損失を求めたあと、`last_layer` から逆順に `backward` を呼んでいけば、各 Affine レイヤに `dW` と `db` が残る。`gradient(x, t)` がまさにこれをする。

# %%
from zerodl.figures.backprop import two_layer_net_layers

show(two_layer_net_layers)

# %%
from zerodl.datasets import load_mnist
from zerodl.nets import TwoLayerNet

(x_train, t_train), (x_test, t_test) = load_mnist()
net = TwoLayerNet(input_size=784, hidden_size=10, output_size=10, seed=0, dtype=np.float64)
print(list(net.layers), type(net.last_layer).__name__)

x, t = x_train[:3], t_train[:3]
net.loss(x, t)                       # 順伝播
dout = net.last_layer.backward(1.0)  # (y - t) / N
for layer in reversed(net.layers.values()):
    dout = layer.backward(dout)      # 逆順に
print(np.allclose(net.layers["Affine1"].dW, net.gradient(x, t)["W1"]))

# %% [markdown]
# ## 勾配確認
#
# 誤差逆伝播法の実装は間違えやすい。実装が簡単で間違えにくい数値微分と結果を比べる確認を、**勾配確認**という。zerodl の `gradient_check` は、パラメータごとに2つの勾配の最大の相対誤差を返す。64ビットの浮動小数点数（float64）なら $10^{-7}$ 程度より小さくなる。32ビット（float32）では、数値微分の丸め誤差が大きくなる。

# %%
from zerodl.gradient import gradient_check

for key, error in gradient_check(net, x, t).items():
    print(f"{key}: {error:.1e}")

# %%
from zerodl.figures.backprop import gradient_check_chart, gradient_check_errors

show(gradient_check_chart, gradient_check_errors(x, t))

# %% [markdown]
# 同じ勾配を求めるのに、2つの方法でかかる時間を比べる。数値微分は重み1つにつき順伝播が2回要るので、重みが増えるほど差が開く。`hidden_size` を変えて確かめよう。

# %%
hidden_size = 10

timed = TwoLayerNet(input_size=784, hidden_size=hidden_size, output_size=10, seed=0)
start = time.perf_counter()
timed.numerical_gradient(x, t)
numerical = time.perf_counter() - start
start = time.perf_counter()
timed.gradient(x, t)
backprop = time.perf_counter() - start
print(f"数値微分 {numerical:.2f} 秒、誤差逆伝播法 {backprop * 1000:.2f} ミリ秒",
      f"（{numerical / backprop:.0f} 倍）")

# %% [markdown]
# ### 練習問題 3
#
# わざと間違えた ReLU レイヤ（逆伝播で、0 以下だった要素の微分も 0 にせずに流してしまう）を作り、float64 の `TwoLayerNet` の `Relu1` と差し替えて `gradient_check` せよ。どのパラメータの誤差が大きくなるか、それはなぜか。

# %% [markdown]
# <details><summary>答え</summary>
#
# 誤差が大きくなるのは W1 と b1 で、W2 と b2 は正しいままである。逆伝播は出力側から進むので、`Relu1` より後ろ（出力側）にある Affine2 の勾配は、間違った `backward` を通る前に計算が終わっている。間違いは `Relu1` より前（入力側）の Affine1 にだけ伝わる。勾配確認の結果を見れば、どのレイヤのあたりが怪しいかの見当もつく。
#
# </details>

# %%
class BrokenRelu(Relu):
    def backward(self, dout):
        return dout  # 0 以下だった要素でも微分を流してしまう


broken = TwoLayerNet(input_size=784, hidden_size=10, output_size=10, seed=0, dtype=np.float64)
broken.layers["Relu1"] = BrokenRelu()
for key, error in gradient_check(broken, x, t).items():
    print(f"{key}: {error:.1e}")

# %% [markdown]
# ## 誤差逆伝播法で学習する
#
# 勾配が速く求まるようになったので、隠れ層 50 の本のネットワークを `Trainer` で学習させる。`Trainer` は毎エポック訓練データを並べ替えてミニバッチに分け、`loss_and_gradient`（順伝播と逆伝播）と重みの更新を繰り返す。zerodl の `plot_learning_curves` は、`Trainer` の記録から損失と認識精度の曲線を描く。

# %%
from zerodl.plotting import plot_learning_curves
from zerodl.trainer import Trainer

net = TwoLayerNet(input_size=784, hidden_size=50, output_size=10, seed=0)
trainer = Trainer(net, x_train, t_train, x_test, t_test, epochs=EPOCHS, mini_batch_size=100,
                  optimizer="SGD", optimizer_param={"lr": 0.1}, verbose=False)
history = trainer.train()
print("テストデータの認識精度", history["test_acc"])
show(lambda path: plot_learning_curves(history, path))

# %% [markdown]
# ## まとめ
#
# - 計算グラフの逆伝播では、各ノードが上流の微分に局所的な微分を掛けて下流へ渡す。連鎖律により、これで出力の各入力による微分が求まる。
# - 加算のノードは微分をそのまま流し、乗算のノードは入力を入れ替えて掛ける。ReLU、Sigmoid、Affine、Softmax-with-Loss も、それぞれ `forward` と `backward` を持つレイヤになる。
# - 誤差逆伝播法の勾配は、数値微分と比べる勾配確認で検証する。速さは桁違いである。
#
# 次のノートブック（05）では、学習をうまく進めるための工夫（最適化手法、重みの初期値、Batch Normalization、正則化）を見る。
