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
# # 1. パーセプトロン
#
# 教科書2章のノートブックである。パーセプトロンで AND・OR・NAND の論理回路を作り、直線1本では XOR を作れないこと、層を重ねれば作れること、そして重みとバイアスをデータから決める学習規則までを zerodl で確かめる。
#
# **使い方**：上から順にセルを実行する（Shift+Enter）。重みやバイアスの値を書き換えて実行し直し、出力や図がどう変わるかを見てほしい。練習問題の答えは「答え」をクリックすると開く。

# %% [markdown]
# ## 準備
#
# 図は zerodl の図の関数が描き、このフォルダの `inline_figures.py` の `show` がセルの下に表示する。日本語のフォント（Noto Sans CJK JP）がない環境では、`inline_figures.LANGUAGE = "en"` とすると図の文字が英語になる。

# %%
import matplotlib.pyplot as plt
import numpy as np
from inline_figures import show

# %% [markdown]
# ## パーセプトロンとは
#
# パーセプトロンは複数の入力信号を受け取り、0 か 1 の信号を1つ出力する。入力 $x_1, x_2$ にそれぞれの**重み** $w_1, w_2$ を掛けて足し、**バイアス** $b$ を加えた値（重み付き和）が正なら 1、そうでなければ 0 を出す。
#
# $$
# y = \begin{cases} 0 & (b + w_1x_1 + w_2x_2 \le 0) \\ 1 & (b + w_1x_1 + w_2x_2 > 0) \end{cases}
# $$
#
# 重みは各入力がどれだけ効くかを、バイアスは発火（1 を出すこと）のしやすさを表す。
# %%
from zerodl.figures.perceptron import perceptron_diagram

show(perceptron_diagram)

# %% [markdown]
# zerodl の `Perceptron(weights, bias)` がこの式そのものである。`weighted_sum` が重み付き和を、`predict` が 0 か 1 を返す。重みとバイアスを書き換えて、4つの入力に対する出力がどう変わるかを見てみよう。

# %%
from zerodl.perceptron import TRUTH_TABLE_INPUTS, Perceptron

p = Perceptron(weights=[0.5, 0.5], bias=-0.7)
for x in TRUTH_TABLE_INPUTS:
    print(x, "重み付き和", round(p.weighted_sum(x), 2), "→ 出力", p.predict(x))

# %% [markdown]
# ## 論理ゲート
#
# 上のパーセプトロンは、2つの入力がともに 1 のときだけ 1 を出す。つまり **AND ゲート**である。zerodl には本と同じパラメータの `AND`・`OR`・`NAND` がある。

# %%
from zerodl.perceptron import AND, NAND, OR, XOR


def truth_table(gate):
    for x1, x2 in TRUTH_TABLE_INPUTS:
        print(x1, x2, "->", gate(x1, x2))


for name, gate in [("AND", AND), ("OR", OR), ("NAND", NAND)]:
    print(name)
    truth_table(gate)

# %% [markdown]
# 3つのゲートは同じ形のパーセプトロンで、違うのは重みとバイアスだけである。重み付き和が 0 になる直線 $b + w_1x_1 + w_2x_2 = 0$ が平面を2つに分け、その片側（下の図の青い側）で出力が 1 になる。これを**決定領域**という。

# %%
from zerodl.figures.perceptron import decision_regions

show(decision_regions)


# %% [markdown]
# 自分で選んだ重みとバイアスの決定領域も描いてみる。下の `plot_region` は、平面の各点でのパーセプトロンの出力を塗り分け、真理値表の4点を重ねる（▲ が出力 1、● が出力 0）。`weights` と `bias` を変えて、直線がどう動くかを確かめよう。

# %%
def plot_region(p):
    grid = np.linspace(-0.5, 1.5, 201)
    xx, yy = np.meshgrid(grid, grid)
    plane = np.c_[xx.ravel(), yy.ravel()]
    _, ax = plt.subplots(figsize=(4, 4))
    ax.contourf(xx, yy, p.predict(plane).reshape(xx.shape), levels=[-0.5, 0.5, 1.5],
                colors=["#f2f2f2", "#cfe3f7"])
    if np.any(p.weights):  # the line b + w . x = 0
        ax.contour(xx, yy, p.weighted_sum(plane).reshape(xx.shape), levels=[0], colors="tab:blue")
    for (x1, x2), y in zip(TRUTH_TABLE_INPUTS, p.predict(TRUTH_TABLE_INPUTS), strict=True):
        ax.scatter(x1, x2, s=150, marker="^" if y else "o", c="tab:blue" if y else "white",
                   edgecolors="black", zorder=3)
    ax.set_title(f"w = ({p.weights[0]:g}, {p.weights[1]:g}), b = {p.bias:g}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    plt.show()


plot_region(Perceptron(weights=[0.5, 0.5], bias=-0.2))

# %% [markdown]
# ### 練習問題 1
#
# NOR ゲート（OR の出力を反転したもの：2つの入力がともに 0 のときだけ 1）になる重みとバイアスを見つけ、`truth_table` と `plot_region` で確かめよ。

# %% [markdown]
# <details><summary>答え</summary>
#
# NAND が AND の反転だったのと同じく、OR の重みとバイアスの符号をすべて逆にすればよい。重み $(-0.5, -0.5)$、バイアス $0.2$ とすると、重み付き和が正になるのは $(0, 0)$ のときだけである。決定領域の直線は OR と同じ位置で、出力が 1 になる側が反対になる。
#
# </details>

# %%
NOR_GATE = Perceptron(weights=[-0.5, -0.5], bias=0.2)
truth_table(lambda x1, x2: NOR_GATE.predict([x1, x2]))
plot_region(NOR_GATE)

# %% [markdown]
# ## XOR ゲートと多層パーセプトロン
#
# XOR（排他的論理和）は、どちらか一方だけが 1 のときに 1 を出す。出力 1 の2点 $(1, 0), (0, 1)$ と出力 0 の2点 $(0, 0), (1, 1)$ は対角に並んでいて、直線1本ではどう引いても分けられない。パーセプトロン1つの決定領域は直線で区切られた半平面なので、XOR は作れない。

# %%
from zerodl.figures.perceptron import gate_region

show(gate_region, "XOR")

# %% [markdown]
# ところが、ゲートを組み合わせれば作れる。NAND と OR の出力を AND に入れると XOR になる。入力を第0層とすると、NAND と OR が第1層、AND が第2層の **2層のパーセプトロン**である（本は重みのある層を数えて2層と呼ぶ）。

# %%
from zerodl.figures.perceptron import xor_circuit

show(xor_circuit)
truth_table(XOR)

# %% [markdown]
# 決定領域で見ると、第1層の2つの直線が作る2つの半平面の共通部分（2本の直線に挟まれた帯）を AND が取り出している。直線では分けられないものも、層を重ねると分けられるようになる。これがニューラルネットワークへつながる考え方である。

# %%
from zerodl.figures.perceptron import xor_two_layer_regions

show(xor_two_layer_regions)

# %% [markdown]
# ### 練習問題 2
#
# NAND ゲートだけを組み合わせて XOR を作り、真理値表で確かめよ（ヒント：NAND を4つ使う）。

# %% [markdown]
# <details><summary>答え</summary>
#
# まず $s = \mathrm{NAND}(x_1, x_2)$ を作り、$y = \mathrm{NAND}(\mathrm{NAND}(x_1, s), \mathrm{NAND}(x_2, s))$ とする。$x_1$ と $x_2$ が違うときだけ、内側の NAND の片方が 0 になり、外側の NAND が 1 を出す。NAND だけで AND も OR も NOT も作れるので、どんな論理回路も作れる（本の2章の「NAND からコンピュータへ」の話である）。
#
# </details>

# %%
def xor_from_nand(x1, x2):
    s = NAND(x1, x2)
    return NAND(NAND(x1, s), NAND(x2, s))


truth_table(xor_from_nand)

# %% [markdown]
# ## パーセプトロンの学習規則
#
# ここまでは人が重みとバイアスを選んだ。それをデータから決めるのが学習である。zerodl の `Perceptron.fit` は、重みとバイアスを 0 から始め、入力を1つずつ見て、出力 $y$ が正解 $t$ と違えば次のように直す（$\eta$ は学習率）。
#
# $$
# w_i \leftarrow w_i + \eta\,(t - y)\,x_i, \qquad b \leftarrow b + \eta\,(t - y)
# $$
#
# 4つの入力をひととおり見ることを1エポックと呼び、誤りのないエポックが来たら終わる。

# %%
t_and = np.array([AND(x1, x2) for x1, x2 in TRUTH_TABLE_INPUTS])
learned = Perceptron.fit(TRUTH_TABLE_INPUTS, t_and, lr=0.1)
print("エポック数", learned.epochs_, "重み", learned.weights, "バイアス", round(learned.bias, 2))
truth_table(lambda x1, x2: learned.predict([x1, x2]))
plot_region(learned)

# %% [markdown]
# 下の図は、エポックごとに直線が動いていく様子である（赤い丸は、その時点で誤って分類される点）。

# %%
from zerodl.figures.perceptron import learning_lines

epochs = show(learning_lines)
print(epochs, "エポック目で誤りがなくなった")

# %% [markdown]
# XOR では、直線で分けられない以上、学習規則は収束しない。zerodl の `fit` は決められたエポック数（`max_epochs`）のあとも誤りが残ると `ConvergenceError` を出す。

# %%
from zerodl.errors import ConvergenceError

t_xor = np.array([XOR(x1, x2) for x1, x2 in TRUTH_TABLE_INPUTS])
try:
    Perceptron.fit(TRUTH_TABLE_INPUTS, t_xor, max_epochs=20)
except ConvergenceError as e:
    print(e)

# %%
from zerodl.figures.perceptron import learning_mistakes

print("学習規則を実行したエポック数:", show(learning_mistakes))

# %% [markdown]
# ### 練習問題 3
#
# 学習率 `lr` を 0.01、0.1、0.3、1.0 と変えて AND・OR・NAND を学習させ、エポック数と、学んだ重みを学習率で割った値を比べよ。何が言えるか。

# %% [markdown]
# <details><summary>答え</summary>
#
# 重みとバイアスは 0 から始まり、毎回 $\pm\eta x_i$ と $\pm\eta$ ずつ動く。したがってパラメータはいつも「学習率 1 のときの値の $\eta$ 倍」で、重み付き和の符号（つまり出力）は学習率によらない。エポック数も、学習率で割った重みも同じになるはずである。
#
# ところが実行すると、NAND だけは学習率 0.1 で 4 エポックになり、ほかの学習率の 6 エポックと違う。4エポック目の初めに重みは $(-0.1, -0.2)$、バイアスは 0.1 を何度か足し引きした値で、0.1 は2進数で正確に表せないため 0.2 ではなく 0.20000000000000004 になっている。入力 $(0, 1)$ の重み付き和は本来ちょうど 0（出力 0、NAND としては誤り）のはずが $2.8 \times 10^{-17}$ とわずかに正になり、出力が 1 に変わって誤りが消えた。しきい値ちょうどの比較は、浮動小数点数では丸め誤差で結果が変わりうる。
#
# </details>

# %%
for name, gate in [("AND", AND), ("OR", OR), ("NAND", NAND)]:
    t = np.array([gate(x1, x2) for x1, x2 in TRUTH_TABLE_INPUTS])
    for lr in (0.01, 0.1, 0.3, 1.0):
        q = Perceptron.fit(TRUTH_TABLE_INPUTS, t, lr=lr)
        print(f"{name:4} lr={lr:<4} エポック {q.epochs_}  重み/lr {q.weights / lr}",
              f"バイアス/lr {q.bias / lr:.3g}")

# 学習率 0.1 で学んだ NAND：バイアスと、入力 (0, 1) の重み付き和
t_nand = np.array([NAND(x1, x2) for x1, x2 in TRUTH_TABLE_INPUTS])
q = Perceptron.fit(TRUTH_TABLE_INPUTS, t_nand, lr=0.1)
print(q.weights, q.bias, q.weighted_sum([0, 1]))

# %% [markdown]
# ## まとめ
#
# - パーセプトロンは重み付き和にバイアスを足し、その符号で 0 か 1 を出す。重みとバイアスを変えるだけで AND・OR・NAND になる。
# - パーセプトロン1つの決定領域は直線で区切られるので、XOR は作れない。層を重ねた多層パーセプトロンなら作れる。
# - 学習規則は誤りに応じて重みとバイアスを直す。直線で分けられるデータなら収束し、XOR では収束しない。
#
# 次のノートブック（02）では、ステップ関数をなめらかな活性化関数に替えたニューラルネットワークに進む。
