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
# # 5. 学習に関するテクニック
#
# 教科書6章のノートブックである。勾配降下法そのものを改良した**最適化手法**（Momentum、AdaGrad、Adam など）、学習の出だしを決める**重みの初期値**、各層の出力を整える **Batch Normalization**、過学習を抑える **Weight decay** と **Dropout**、そして**ハイパーパラメータ**の探し方を、zerodl の実験で確かめる。

# %% [markdown]
# ## 準備
#
# `FULL = True` にすると、各実験を本の規模（更新回数やエポック数、試行の数）で行う。既定の `False` では、全体が数十秒で終わるように減らしてある。
#
# 図は zerodl の図の関数と、`zerodl experiment` コマンドと同じ実験（`zerodl.experiments`）が描く。このフォルダの `inline_figures.py` の `show` は図を1枚描く関数を、`show_all` はフォルダに何枚も図を書く実験を実行して、図をセルの下に表示する。日本語のフォント（Noto Sans CJK JP）がない環境では、`inline_figures.LANGUAGE = "en"` とすると図の文字が英語になる。

# %%
import matplotlib.pyplot as plt
import numpy as np
from inline_figures import show, show_all

FULL = False
OPTIMIZER_ITERATIONS = 2000 if FULL else 100  # MNIST で最適化手法と初期値を比べる更新回数
BATCHNORM_EPOCHS = 20 if FULL else 10
OVERFIT_EPOCHS = 201 if FULL else 100
OVERFIT_TEST_IMAGES = None if FULL else 1000   # None はテスト画像すべて
SEARCH_TRIALS, SEARCH_EPOCHS = (100, 50) if FULL else (10, 20)

# %% [markdown]
# ## SGD の弱点
#
# これまでの**SGD**（確率的勾配降下法）は、勾配の逆向きに学習率 $\eta$ だけ進む。
#
# $$
# W \leftarrow W - \eta \frac{\partial L}{\partial W}
# $$
#
# 本の例 $f(x, y) = \frac{1}{20}x^2 + y^2$ は、$y$ 方向に急で $x$ 方向にゆるやかな谷である。勾配は最小値 $(0, 0)$ ではなく谷を横切る向きを指すので、SGD はジグザグに進む。zerodl の実験 `optimizers-2d` は、6つの最適化手法で $(-7, 2)$ から 30 ステップ進んだ経路を描く。

# %%
from zerodl.experiments import optimizers_2d

results = show_all(optimizers_2d.run)
for name, summary in results.items():
    print(f"{name:9} 最後の f {summary['final_f']:.2g}  経路の長さ {summary['path_length']}")

# %% [markdown]
# ## Momentum、AdaGrad、Adam
#
# - **Momentum** は速度 $v$ を持ち、勾配で加速しながら進む：$v \leftarrow \alpha v - \eta \frac{\partial L}{\partial W},\ W \leftarrow W + v$。谷を横切る成分は打ち消し合い、谷に沿う成分がたまっていく。
# - **AdaGrad** はパラメータごとに、これまでの勾配の2乗和 $h$ で学習率を割る：$W \leftarrow W - \eta \frac{1}{\sqrt{h}} \frac{\partial L}{\partial W}$。大きく動いた方向ほど歩幅が小さくなる。**RMSprop** は $h$ を古い勾配ほど忘れる指数移動平均にしたものである。
# - **Adam** は Momentum と RMSprop を組み合わせたものである。
#
# zerodl の最適化手法は、どれも `update(params, grads)` で重みをその場で更新する。下のセルの `optimizer` を取り替えたり、学習率を変えたりして、経路がどう変わるかを見よう。

# %%
from zerodl.experiments.optimizers_2d import f, optimize_path
from zerodl.optimizers import SGD, AdaGrad, Adam, Momentum, RMSprop  # noqa: F401  取り替えて試す

optimizer = Momentum(lr=0.1, momentum=0.9)

path = optimize_path(optimizer)
xs, ys = np.meshgrid(np.linspace(-8, 3, 200), np.linspace(-2.5, 2.5, 200))
fig, ax = plt.subplots(figsize=(7, 3.4))
ax.contour(xs, ys, f(xs, ys), levels=np.geomspace(0.05, 30, 12), colors="0.75")
ax.plot(path[:, 0], path[:, 1], "o-", color="tab:red", ms=3)
ax.plot(0, 0, "+", color="black", ms=12)
ax.set_title(f"{type(optimizer).__name__}: f = {f(*path[-1]):.3g} after {len(path) - 1} steps")
ax.set_aspect("equal")
plt.show()

# %% [markdown]
# ### 練習問題 1
#
# Momentum の `momentum`（式の $\alpha$）を 0.5、0.9、0.99 と変えて、30 ステップ後の $f$ と経路の長さを比べよ。$\alpha$ が大きいと何が起きるか。

# %% [markdown]
# <details><summary>答え</summary>
#
# $\alpha$ は速度をどれだけ持ち越すかを決める。0.5 では加速が弱く SGD に近い動きになり、0.9 では谷に沿って速く進む。0.99 では速度がほとんど減らないため、最小値を何度も通り過ぎて大きく揺れ、30 ステップでは落ち着かない（経路が長く、最後の $f$ も大きい）。勢いは谷を下るのを助けるが、強すぎるとブレーキが利かない。
#
# </details>

# %%
from zerodl.experiments.optimizers_2d import path_summary

for momentum in (0.5, 0.9, 0.99):
    summary = path_summary(optimize_path(Momentum(lr=0.1, momentum=momentum)))
    print(f"momentum {momentum}：最後の f {summary['final_f']:.3g}、経路の長さ {summary['path_length']}")

# %% [markdown]
# ## MNIST での比較
#
# 実際のネットワークではどうか。実験 `optimizers-mnist` は、隠れ層 100 ユニットが4層の ReLU ネットワークを、5つの最適化手法で同じミニバッチの列を使って学習させ、損失の推移を比べる。SGD だけが遅れ、ほかは速く下がる。どれが一番よいかは問題によって変わり、すべての問題でほかより優れた手法はない。

# %%
from zerodl.experiments import optimizers_mnist

results = show_all(optimizers_mnist.run, iterations=OPTIMIZER_ITERATIONS)
for name, summary in results.items():
    print(f"{name:9} 最後の 50 回の損失の平均 {summary['mean_loss_last_50']}")

# %% [markdown]
# ## 重みの初期値
#
# 重みの初期値で学習の成否が分かれる。実験 `weight-init` は本と同じく、1,000 件の乱数を5層（各 100 ユニット）に通し、各層の出力（アクティベーション）の分布をヒストグラムにする。
#
# - シグモイド関数で標準偏差 1 の重みを使うと、出力が 0 と 1 に偏る。そこでは微分がほぼ 0 なので、逆伝播で勾配が消えていく（**勾配消失**）。
# - 標準偏差 0.01 では、出力が 0.5 付近に集まる。どのユニットも同じような値を出すなら、たくさんある意味がない（**表現力の制限**）。
# - 前の層のノードの数を $n$ として、標準偏差 $1/\sqrt{n}$ の **Xavier の初期値**はシグモイド関数に、$\sqrt{2/n}$ の **He の初期値**は ReLU関数に向く。
#
# 3枚目の図は、MNIST での損失の推移を初期値ごとに比べたものである。標準偏差 0.01 では学習がまったく進まない。

# %%
from zerodl.experiments import weight_init

results = show_all(weight_init.run, iterations=OPTIMIZER_ITERATIONS)
for name, summary in results.items():
    print(name, summary)

# %% [markdown]
# 自分で選んだ標準偏差でも、各層の出力の分布を描いてみよう。`scale` には数か、`"xavier"`、`"he"` を入れる。`activation` を `relu` にも替えてみる。

# %%
from zerodl.experiments.weight_init import activations
from zerodl.functions import relu, sigmoid  # noqa: F401  取り替えて試す

activation, scale = sigmoid, 0.1

layers = activations(activation, scale, np.random.default_rng(0))
fig, axes = plt.subplots(1, len(layers), figsize=(10, 2.2), sharey=True)
for i, (ax, a) in enumerate(zip(axes, layers, strict=True), start=1):
    ax.hist(a.ravel(), bins=30, range=(0, 1) if activation is sigmoid else (0, 4))
    ax.set_title(f"layer {i}\nstd {a.std():.3f}", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ### 練習問題 2
#
# 本は「重みの初期値をすべて同じ値にしてはいけない」と言う。隠れ層 2 層の `MultiLayerNet` の重みをすべて 0.01 にそろえてから 200 回学習させ、1層目の重み `W1` の列（各ユニットへの重み）がどうなっているかを調べよ。認識精度も見よ。

# %% [markdown]
# <details><summary>答え</summary>
#
# 重みがすべて同じなら、同じ層のユニットはどれも同じ値を出し、逆伝播でも同じ勾配を受け取る。したがって更新後も同じ値のままで、学習を何回繰り返しても、100 個のユニットが1個ぶんの働きしかしない（`W1` のすべての列が等しいまま）。隠れ層が実質1ユニットずつのネットワークなので、認識精度も低いままである。重みの初期値を乱数にするのは、この対称性を崩すためである。
#
# </details>

# %%
from zerodl.datasets import load_mnist
from zerodl.nets import MultiLayerNet

(x_train, t_train), (x_test, t_test) = load_mnist()
same = MultiLayerNet(784, [100, 100], 10, seed=0)
for key, value in same.params.items():
    if key.startswith("W"):
        value[...] = 0.01

rng, sgd = np.random.default_rng(0), SGD(lr=0.1)
for _ in range(200):
    batch = rng.choice(len(x_train), 100)
    sgd.update(same.params, same.gradient(x_train[batch], t_train[batch]))
W1 = same.params["W1"]
print("W1 の列はすべて等しい:", np.allclose(W1, W1[:, :1]))
print("テストデータの認識精度", same.accuracy(x_test, t_test))

# %% [markdown]
# ## Batch Normalization
#
# **Batch Normalization** は、Affine レイヤの出力をミニバッチごとに平均 0、分散 1 に正規化し、学習するパラメータ $\gamma, \beta$ で拡大・平行移動してから活性化関数に渡す。各層の出力の分布が整うので、学習が速く進み、初期値にもあまり左右されなくなる。
#
# zerodl の `MultiLayerNetExtend(..., use_batchnorm=True)` は、隠れ層ごとに `BatchNormalization` レイヤを挟む。本と同じく、隠れ層 100 ユニットが5層のネットワークで訓練画像 1,000 枚を学習させ、訓練データの認識精度を比べる。`scales`（重みの初期値の標準偏差）を変えてみよう。

# %%
from zerodl.experiments.batchnorm import train_accuracy

scales = [0.01, 0.1]

x_small, t_small = x_train[:1000], t_train[:1000]
fig, axes = plt.subplots(1, len(scales), figsize=(4 * len(scales), 3), sharey=True, squeeze=False)
for ax, scale in zip(axes[0], scales, strict=True):
    for use_batchnorm, style in ((True, "-"), (False, "--")):
        accuracy, diverged = train_accuracy(scale, use_batchnorm, x_small, t_small,
                                            BATCHNORM_EPOCHS, seed=0)
        label = ("with" if use_batchnorm else "without") + " Batch Norm" + (" (diverged)" if diverged else "")
        ax.plot(range(1, len(accuracy) + 1), accuracy, style, label=label)
    ax.set_title(f"weight std {scale}")
    ax.set_xlabel("epoch")
    ax.set_ylim(0, 1)
axes[0, 0].set_ylabel("train accuracy")
axes[0, 0].legend()
plt.show()

# %% [markdown]
# ## 過学習と正則化
#
# 訓練データが少なく、ネットワークが大きいと**過学習**が起きる。本と同じく、訓練画像を 300 枚に減らし、隠れ層 100 ユニットが6層のネットワークを学習させると、訓練データの認識精度は 1 に近づくのに、テストデータの認識精度はずっと低いままになる。

# %%
from zerodl.experiments.overfit import accuracy_curves, plot_overfit, plot_regularised

x_few, t_few = x_train[:300], t_train[:300]
x_eval, t_eval = x_test[:OVERFIT_TEST_IMAGES], t_test[:OVERFIT_TEST_IMAGES]
plain = accuracy_curves(x_few, t_few, x_eval, t_eval, OVERFIT_EPOCHS, seed=0)
show(lambda path: plot_overfit(plain, path))

# %% [markdown]
# **Weight decay** は、重みの2乗の和 $\frac{1}{2}\lambda \sum W^2$ を損失に加え、大きな重みにペナルティを課す。**Dropout** は、学習のたびにランダムに選んだユニットを消して（出力を 0 にして）学習させる。多くのネットワークを学習させて平均を取る**アンサンブル学習**に近い効果がある。どちらも訓練とテストの差を縮める。右の図は、訓練とテストの認識精度の差の推移である。

# %%
regularisers = {"Weight decay λ = 0.1": {"weight_decay_lambda": 0.1},
                "Dropout 0.2": {"use_dropout": True, "dropout_ration": 0.2}}
for name, options in regularisers.items():
    curves = accuracy_curves(x_few, t_few, x_eval, t_eval, OVERFIT_EPOCHS, seed=0, **options)
    # plot_regularised はラベルを（英語, 日本語）の組で受け取る
    show(lambda path, name=name, curves=curves: plot_regularised((name, name), plain, curves, path))

# %% [markdown]
# Dropout のネットワークは、学習中に毎回一部のユニットを失うので、同じエポック数では学習の進みが遅い。`FULL = True`（201 エポック）や、もっと多くのエポックで試すと、差の縮まり方がよりはっきりする。
#
# ### 練習問題 3
#
# Weight decay の強さ $\lambda$ を 0.01、0.1、0.3 と変えて、`OVERFIT_EPOCHS` エポック後の訓練とテストの認識精度、その差を比べよ。$\lambda$ を大きくしすぎると何が起きるか。

# %% [markdown]
# <details><summary>答え</summary>
#
# $\lambda$ が大きいほど重みが小さく抑えられ、訓練とテストの差は縮まる。しかし大きくしすぎると、訓練データにも合わなくなり（訓練の認識精度も下がり）、テストの認識精度まで下がる。正則化の強さも、学習率と同じく調整の要るハイパーパラメータである。
#
# </details>

# %%
for lam in (0.01, 0.1, 0.3):
    train, test = accuracy_curves(x_few, t_few, x_eval, t_eval, OVERFIT_EPOCHS, seed=0,
                                  weight_decay_lambda=lam)
    print(f"λ = {lam}：訓練 {train[-1]:.3f}、テスト {test[-1]:.3f}、差 {train[-1] - test[-1]:.3f}")

# %% [markdown]
# ## ハイパーパラメータの探索
#
# 学習率や Weight decay の強さなどの**ハイパーパラメータ**を、テストデータで選んではいけない。テストデータに合わせて選ぶことになり、汎化性能を正しく測れなくなる。訓練データの一部を**検証データ**として取り分け、それで選ぶ。
#
# 本の方法は、値の範囲を対数スケールで決めてその中から無作為に選び、少ないエポック数で学習させて検証データの認識精度を比べることを繰り返し、よい範囲を絞り込んでいく。下のセルは本と同じく、隠れ層 100 ユニットが6層のネットワークで、訓練画像 500 枚のうち 100 枚を検証データにして、Weight decay を $10^{-8}$ から $10^{-4}$、学習率を $10^{-4}$ から $10^{-1}$ の範囲で探す（本は学習率を $10^{-6}$ から $10^{-2}$ で探すが、エポック数の少ないここでは、それでは学習がほとんど進まない）。`zerodl search` コマンドは、本の範囲で同じ探索を Optuna で並列に行う。

# %%
from zerodl.errors import DivergenceError
from zerodl.trainer import Trainer

x_val, t_val = x_train[:100], t_train[:100]
x_fit, t_fit = x_train[100:500], t_train[100:500]
rng = np.random.default_rng(0)

trials = []
for _ in range(SEARCH_TRIALS):
    lr, weight_decay = 10 ** rng.uniform(-4, -1), 10 ** rng.uniform(-8, -4)
    net = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=weight_decay, seed=0)
    try:
        Trainer(net, x_fit, t_fit, x_val, t_val, epochs=SEARCH_EPOCHS, optimizer="SGD",
                optimizer_param={"lr": lr}, verbose=False).train()
        accuracy = net.accuracy(x_val, t_val)
    except DivergenceError:  # 学習率が大きすぎて損失が発散した
        accuracy = 0.0
    trials.append((accuracy, lr, weight_decay))

for accuracy, lr, weight_decay in sorted(trials, reverse=True):
    print(f"検証 {accuracy:.2f}  学習率 {lr:.1e}  Weight decay {weight_decay:.1e}")

# %% [markdown]
# 上位の試行は学習率の大きい側に集まり、Weight decay の値は結果をほとんど左右していない。次は学習率の範囲をよかったあたりに狭めて探し直す、というように進める。
#
# ## まとめ
#
# - SGD は勾配の向きが最小値を向かない関数で遠回りする。Momentum、AdaGrad、RMSprop、Adam はそれを改良する。
# - 重みの初期値は、各層の出力の分布を決める。シグモイド関数には Xavier、ReLU関数には He の初期値を使い、すべて同じ値にはしない。
# - Batch Normalization は各層の出力を正規化し、学習を速く、初期値に強くする。
# - Weight decay と Dropout は過学習を抑える。ハイパーパラメータは検証データで、対数スケールの無作為な探索で選ぶ。
