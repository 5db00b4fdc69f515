"""Chapter 5 figures: computational graphs forward and backward, the layers as graph nodes, and
the gradient check.

Every number in a graph comes from running zerodl's layers (MulLayer, AddLayer, Sigmoid, Affine,
SoftmaxWithLoss), so the figures show what the code computes; the sigmoid's four inner nodes are
computed step by step and agree with the Sigmoid layer. An edge carries two arrows, as in the
book: the forward value above it in black, the gradient flowing back below it in red.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np

from zerodl.figures.graph import BACKWARD, LABEL_SIZE, box, canvas, edge, legend, number, op
from zerodl.figures.group import Group
from zerodl.gradient import gradient_check
from zerodl.layers import AddLayer, Affine, MulLayer, Sigmoid, SoftmaxWithLoss
from zerodl.nets import TwoLayerNet
from zerodl.plotting import blank, plt, save_figure, tr


# -- the numbers the graphs show -------------------------------------------------------------------
def apple_values() -> dict:
    """2 apples at 100 with a tax of 1.1, forward and backward through two MulLayers."""
    mul_apple, mul_tax = MulLayer(), MulLayer()
    apple_price = mul_apple.forward(100, 2)
    price = mul_tax.forward(apple_price, 1.1)
    dapple_price, dtax = mul_tax.backward(1)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    return {"apple_price": apple_price, "price": price, "dapple_price": dapple_price,
            "dtax": dtax, "dapple": dapple, "dapple_num": dapple_num}


def shopping_values() -> dict:
    """Run the graph with zerodl's layers: forward values and the gradient on every edge."""
    mul_apple, mul_orange, add, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()
    apple_price = mul_apple.forward(100, 2)
    orange_price = mul_orange.forward(150, 3)
    total = add.forward(apple_price, orange_price)
    price = mul_tax.forward(total, 1.1)
    dtotal, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add.backward(dtotal)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    return {"apple_price": apple_price, "orange_price": orange_price, "total": total,
            "price": price, "dtotal": dtotal, "dtax": dtax, "dapple_price": dapple_price,
            "dorange_price": dorange_price, "dapple": dapple, "dapple_num": dapple_num,
            "dorange": dorange, "dorange_num": dorange_num}


def node_example(layer, x=10, y=5, dout=1.3) -> dict:
    """One AddLayer or MulLayer, forward on (x, y) and backward from dout."""
    z = layer.forward(x, y)
    dx, dy = layer.backward(dout)
    return {"x": x, "y": y, "z": z, "dout": dout, "dx": dx, "dy": dy}


def sigmoid_steps(x: float = 1.0) -> dict:
    """The sigmoid as the book's four nodes (x -1, exp, +1, 1/), forward and backward from 1.

    Each node's backward multiplies by its local derivative; the product at x equals what the
    one-node Sigmoid layer returns, y (1 - y).
    """
    a = -x
    e = np.exp(a)
    s = 1 + e
    y = 1 / s
    ds = 1 * (-1 / s**2)  # 1/s: d/ds = -1/s^2 = -y^2
    de = ds * 1           # + 1 passes the gradient on
    da = de * e           # exp: d/da = exp(a)
    dx = da * -1          # x -1
    layer = Sigmoid()
    return {"x": x, "a": a, "exp": e, "sum": s, "y": y, "ds": ds, "de": de, "da": da, "dx": dx,
            "layer_y": float(layer.forward(np.array(x))),
            "layer_dx": float(layer.backward(np.array(1.0)))}


def affine_shapes(batch: int = 4, inputs: int = 2, outputs: int = 3) -> dict:
    """The shape of every array of an Affine layer, forward and backward, on a batch."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, inputs))
    layer = Affine(rng.standard_normal((inputs, outputs)), np.zeros(outputs))
    y = layer.forward(x)
    dx = layer.backward(np.ones_like(y))
    return {"X": x.shape, "W": layer.W.shape, "b": layer.b.shape, "Y": y.shape, "dX": dx.shape,
            "dW": layer.dW.shape, "db": layer.db.shape}


def softmax_with_loss_values(scores=(1.0, 3.0, 0.5), label: int = 1) -> dict:
    """SoftmaxWithLoss on one sample: y, the loss, dL/dy = -t/y, and its backward y - t."""
    layer = SoftmaxWithLoss()
    loss = layer.forward(np.array([scores]), np.array([label]))
    y = layer.y[0]
    t = np.eye(len(scores))[label]
    return {"a": np.array(scores), "t": t, "y": y, "loss": loss, "dy": -t / y,
            "da": layer.backward()[0]}


def gradient_check_errors(x, t, hidden_size: int = 10, seed: int = 0) -> dict[str, dict]:
    """gradient_check of a TwoLayerNet (hidden_size units, 10 classes) on (x, t), in float64 and
    in float32, whose central differences drown in rounding."""
    return {name: gradient_check(TwoLayerNet(x.shape[1], hidden_size, 10, seed=seed,
                                             dtype=dtype), x, t)
            for name, dtype in (("float64", np.float64), ("float32", np.float32))}


# -- the figures ---------------------------------------------------------------------------------
def apple_graph(path, backward: bool = True) -> None:
    """The book's first graph: 2 apples at 100, tax 1.1; with backward, each edge's gradient."""
    v = apple_values()
    fig, ax = canvas((8, 3.6))
    mul_apple, mul_tax = op(ax, (3.2, 2.2), "×"), op(ax, (6.6, 2.2), "×")

    def grad(key):
        return number(v[key]) if backward else None

    edge(ax, (0.2, 3.4), mul_apple, tr("apple 100", "りんご 100"), grad("dapple"), at=0.4)
    edge(ax, (0.2, 1.0), mul_apple, tr("apples 2", "個数 2"), grad("dapple_num"), at=0.4)
    edge(ax, mul_apple, mul_tax, number(v["apple_price"]), grad("dapple_price"))
    edge(ax, (6.6, -0.2), mul_tax, tr("tax 1.1", "消費税 1.1"), grad("dtax"), at=0.45)
    edge(ax, mul_tax, (9.6, 2.2), number(v["price"]), "1" if backward else None)
    legend(ax, (0.2, -0.75), backward)
    blank(ax, (0, 10), (-0.9, 3.9))
    save_figure(fig, path)


def shopping_graph(path) -> None:
    """Apples and oranges with tax: the price 715 and the gradient of the price on every edge."""
    v = shopping_values()
    fig, ax = canvas((9, 5.2))
    mul_apple, mul_orange = op(ax, (3.4, 4.6), "×"), op(ax, (3.4, 1.3), "×")
    add, mul_tax = op(ax, (6.4, 2.95), "+"), op(ax, (9.2, 2.95), "×")
    edge(ax, (0, 5.9), mul_apple, tr("apple 100", "りんご 100"), number(v["dapple"]), at=0.3)
    edge(ax, (0, 3.55), mul_apple, tr("apples 2", "個数 2"), number(v["dapple_num"]), at=0.5)
    edge(ax, (0, 2.35), mul_orange, tr("orange 150", "みかん 150"), number(v["dorange"]), at=0.3)
    edge(ax, (0, 0.0), mul_orange, tr("oranges 3", "個数 3"), number(v["dorange_num"]), at=0.5)
    edge(ax, mul_apple, add, number(v["apple_price"]), number(v["dapple_price"]))
    edge(ax, mul_orange, add, number(v["orange_price"]), number(v["dorange_price"]))
    edge(ax, add, mul_tax, number(v["total"]), number(v["dtotal"]))
    edge(ax, (9.2, 0.6), mul_tax, tr("tax 1.1", "消費税 1.1"), number(v["dtax"]), at=0.4)
    edge(ax, mul_tax, (11.9, 2.95), number(v["price"]), "1")
    legend(ax, (0, -0.75))
    blank(ax, (-0.1, 12.1), (-0.95, 6.3))
    save_figure(fig, path)


def chain_rule_graph(path) -> None:
    """z = (x + y)^2 as two nodes, t = x + y and z = t^2, with the chain rule on each edge."""
    fig, ax = canvas((8, 4.4))
    add, square = op(ax, (4.2, 2.4), "+"), op(ax, (7.6, 2.4), "**2", fontsize=13)
    d = {k: rf"\dfrac{{\partial {k[0]}}}{{\partial {k[1]}}}" for k in ("zt", "tx", "ty", "zz")}
    edge(ax, (0.4, 4.3), add, "$x$", f"${d['zt']}{d['tx']} = 2t$", at=0.38)
    edge(ax, (0.4, 0.5), add, "$y$", f"${d['zt']}{d['ty']} = 2t$", at=0.38)
    edge(ax, add, square, "$t$", f"${d['zt']} = 2t$")
    edge(ax, square, (10.6, 2.4), "$z$", f"${d['zz']} = 1$")
    ax.text(7.4, 0.3, r"$\dfrac{\partial z}{\partial x} = 2t = 2(x + y)$", ha="center",
            fontsize=15)
    blank(ax, (0, 11), (-0.3, 4.6))
    save_figure(fig, path)


def node_backward(path, layer, symbol: str, z: str, dx: str, dy: str) -> None:
    """A node's backward rule in symbols (left: z and the local derivatives dx, dy that the
    upstream gradient is multiplied by) and on numbers from zerodl's layer (right)."""
    v = node_example(layer)
    dl = r"\dfrac{\partial L}{\partial z}"
    rule = ("$x$", "$y$", f"${z}$", f"${dl} \\cdot {dx}$", f"${dl} \\cdot {dy}$", f"${dl}$")
    example = tuple(number(v[key]) for key in ("x", "y", "z", "dx", "dy", "dout"))
    name, sum_or_product = type(layer).__name__, f"{v['x']} {symbol} {v['y']}"
    title = tr(f"example ({name}): {sum_or_product}", f"例（{name}）：{sum_or_product}")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.1))
    for ax, (labels, heading) in zip(axes, ((rule, tr("the rule", "規則")), (example, title)),
                                     strict=True):
        node = op(ax, (3.2, 1.6), symbol)
        x_label, y_label, z_label, dx_label, dy_label, dz_label = labels
        edge(ax, (0.3, 3.0), node, x_label, dx_label, at=0.35)
        edge(ax, (0.3, 0.2), node, y_label, dy_label, at=0.35)
        edge(ax, node, (6.0, 1.6), z_label, dz_label, at=0.5)
        ax.set_title(heading, fontsize=LABEL_SIZE)
        blank(ax, (-0.1, 6.3), (-0.3, 3.3))
    fig.tight_layout()
    save_figure(fig, path)


def add_node_backward(path) -> None:
    """The addition node passes the upstream gradient to both inputs unchanged."""
    node_backward(path, AddLayer(), "+", "z = x + y", "1", "1")


def mul_node_backward(path) -> None:
    """The multiplication node sends back the upstream gradient times the other input."""
    node_backward(path, MulLayer(), "×", "z = xy", "y", "x")


def relu_layer_graph(path) -> None:
    """ReLU's backward: the gradient passes where the input was positive and stops elsewhere."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 2.3))
    dl = r"$\dfrac{\partial L}{\partial y}$"
    for ax, (title, y, dx) in zip(axes, (("$x > 0$", "$y = x$", dl),
                                         (r"$x \leq 0$", "$y = 0$", "0")), strict=True):
        relu = op(ax, (3.0, 1.0), "relu", fontsize=13, radius=0.55)
        edge(ax, (0.2, 1.0), relu, "$x$", dx)
        edge(ax, relu, (5.8, 1.0), y, dl)
        ax.set_title(title, fontsize=LABEL_SIZE)
        blank(ax, (0, 6), (0.1, 1.9))
    fig.tight_layout()
    save_figure(fig, path)


def sigmoid_layer_graph(path, x: float = 1.0) -> None:
    """The sigmoid's four nodes at x = 1, forward and backward, against the Sigmoid layer."""
    v = sigmoid_steps(x)
    fig, ax = canvas((9, 3.9))
    row = 2.4
    nodes = [op(ax, (2.4, row), "×"), op(ax, (4.9, row), "exp", fontsize=13),
             op(ax, (7.4, row), "+"), op(ax, (9.9, row), "/")]
    values = [("x", "x", "dx"), ("−x", "a", "da"), ("exp(−x)", "exp", "de"),
              ("1 + exp(−x)", "sum", "ds")]
    ends = [(0.0, row), *nodes[:-1]]
    for start, stop, (name, value, grad) in zip(ends, nodes, values, strict=True):
        edge(ax, start, stop, f"{name}\n{number(v[value])}", number(v[grad]))
    edge(ax, nodes[-1], (12.4, row), f"y\n{number(v['y'])}", "1")
    edge(ax, (2.4, 4.5), nodes[0], "−1", at=0.35)
    edge(ax, (7.4, 4.5), nodes[2], "1", at=0.35)
    for (centre, _), local in zip(nodes, ("×(−1)", "×exp(−x)", "×1", "×(−y²)"), strict=True):
        ax.text(centre[0], row - 1.0, local, ha="center", va="top", fontsize=12, color="0.4")
    y = v["layer_y"]
    ax.text(0.0, 0.35, tr("gray: each node multiplies the gradient by its local derivative",
                          "灰色：各ノードの局所的な微分（流れてきた微分に掛ける）"), fontsize=12, color="0.4")
    ax.text(0.0, -0.35, tr(f"Sigmoid layer: y(1 − y) = {number(y)} × {number(1 - y)} = "
                           f"{number(v['layer_dx'])}",
                           f"Sigmoid レイヤ：y(1 − y) = {number(y)} × {number(1 - y)} = "
                           f"{number(v['layer_dx'])}"), fontsize=LABEL_SIZE)
    blank(ax, (-0.1, 12.6), (-0.6, 4.7))
    save_figure(fig, path)


def _shape(shape, batched: bool) -> str:
    """(4, 2) -> "(N, 2)" for a batch, (3,) -> "(3,)" for a parameter."""
    dims = ["N", *map(str, shape[1:])] if batched else [str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def affine_layer_graph(path) -> None:
    """The batch Affine layer Y = X·W + B with the shape of every array, forward and backward."""
    s = affine_shapes()
    fig, ax = canvas((9, 3.8))
    row = 3.2
    dot, add = op(ax, (3.6, row), "dot", fontsize=13, radius=0.5), op(ax, (8.0, row), "+")
    dl = r"\dfrac{\partial L}{\partial Y}"
    edge(ax, (0.0, row), dot, f"$X$ {_shape(s['X'], True)}",
         f"${dl} \\cdot W^T$\n{_shape(s['dX'], True)}", at=0.45)
    edge(ax, (3.6, 0.4), dot, f"$W$\n{_shape(s['W'], False)}",
         f"$X^T \\cdot {dl}$\n{_shape(s['dW'], False)}", at=0.35)
    edge(ax, dot, add, f"$X \\cdot W$ {_shape(s['Y'], True)}", f"${dl}$ {_shape(s['Y'], True)}")
    edge(ax, (8.0, 0.4), add, f"$B$\n{_shape(s['b'], False)}",
         tr(f"sum of ∂L/∂Y over axis 0\n{_shape(s['db'], False)}",
            f"∂L/∂Y の軸 0 の和\n{_shape(s['db'], False)}"), at=0.35)
    edge(ax, add, (11.4, row), f"$Y$ {_shape(s['Y'], True)}", f"${dl}$", at=0.55)
    ax.text(0.0, 4.5, r"$Y = X \cdot W + B$", fontsize=15)
    blank(ax, (-0.1, 12.1), (0.2, 4.9))
    save_figure(fig, path)


def softmax_with_loss_graph(path) -> None:
    """Softmax then cross-entropy on one sample: forward values, and y - t flowing back."""
    v = softmax_with_loss_values()
    fig, ax = canvas((9, 4.6))
    rows = (4.2, 2.7, 1.2)
    left, right = 3.6, 8.4
    half_left, half_right = (0.8, 2.0), (1.0, 2.0)  # half the size of each box
    box(ax, (left, 2.7), "Softmax", size=(1.6, 4.0), color="#fde2c8")
    loss = box(ax, (right, 2.7), tr("Cross\nEntropy\nError", "交差\nエントロピー\n誤差"),
               size=(2.0, 4.0), color="#fde2c8")
    for k, y in enumerate(rows):
        i = k + 1
        edge(ax, (0.2, y), ((left, y), half_left), f"$a_{i}$ = {number(v['a'][k])}",
             f"$y_{i} - t_{i}$ = {number(v['da'][k])}", at=0.5)
        edge(ax, ((left, y), half_left), ((right, y), half_right),
             f"$y_{i}$ = {number(v['y'][k])}",
             f"$-t_{i}/y_{i}$ = {number(v['dy'][k])}")
    onehot = ", ".join(f"{t:g}" for t in v["t"])
    edge(ax, (right, -0.2), loss, tr(f"label t = ({onehot})", f"正解ラベル t = ({onehot})"),
         at=0.4)
    edge(ax, loss, (12.2, 2.7), f"$L$ = {number(v['loss'])}", "1", at=0.5)
    blank(ax, (0, 12.4), (-0.4, 4.9))
    save_figure(fig, path)


def two_layer_net_layers(path) -> None:
    """TwoLayerNet as its layers: predict and loss run them in order, gradient in reverse."""
    fig, ax = canvas((9, 2.9))
    row = 1.8
    size = (1.7, 1.0)
    layers = [box(ax, (2.0, row), "Affine1", size), box(ax, (4.6, row), "Relu1", size, "#eeeeee"),
              box(ax, (7.2, row), "Affine2", size),
              box(ax, (10.9, row), "Softmax\nWithLoss", (2.0, 1.2), "#fde2c8")]
    edge(ax, (0.0, row), layers[0], "X", at=0.4)
    for a, b in pairwise(layers[:-1]):
        edge(ax, a, b, "", "")
    edge(ax, layers[2], layers[3], "", "(y − t) / N", at=0.5)
    edge(ax, layers[-1], (13.2, row), "L", "1")
    for (centre, _), key in ((layers[0], "1"), (layers[2], "2")):
        ax.text(centre[0], row + 0.65, f"W{key}, b{key}", ha="center", fontsize=LABEL_SIZE)
        ax.text(centre[0], row - 0.65, f"dW{key}, db{key}", ha="center", va="top",
                fontsize=LABEL_SIZE, color=BACKWARD)
    ax.text(0, 3.15, tr("forward: predict(), loss()  — the layers in order",
                        "順伝播：predict()、loss() — レイヤを順に"), fontsize=12)
    ax.text(0, 0.2, tr("backward: gradient()  — the same layers in reverse",
                       "逆伝播：gradient() — 同じレイヤを逆順に"), fontsize=12, color=BACKWARD)
    blank(ax, (-0.1, 13.4), (0.05, 3.6))
    save_figure(fig, path)


def gradient_check_chart(path, errors: dict[str, dict]) -> None:
    """Bars of the max relative difference per parameter, one colour per dtype, log scale."""
    fig, ax = plt.subplots(figsize=(7, 3.9))
    keys = list(next(iter(errors.values())))
    width = 0.4
    for i, (name, errs) in enumerate(errors.items()):
        xs = np.arange(len(keys)) + (i - 0.5) * width
        values = [errs[k] for k in keys]
        ax.bar(xs, values, width, label=name, color=("tab:blue", "tab:orange")[i])
        for x, value in zip(xs, values, strict=True):
            ax.text(x, value * 1.6, f"{value:.1e}", ha="center", va="bottom", fontsize=10)
    ax.set_yscale("log")
    ax.set_ylim(1e-12, 1e4)  # room above the bars for the legend
    ax.set_xticks(np.arange(len(keys)), keys, fontsize=LABEL_SIZE)
    ax.set_ylabel(tr("max relative difference", "最大相対誤差"), fontsize=12)
    ax.set_title(tr("backprop vs numerical gradient, TwoLayerNet on 3 digits",
                    "誤差逆伝播法と数値微分の勾配の差（TwoLayerNet、画像3枚）"), fontsize=LABEL_SIZE)
    ax.legend(loc="upper center", ncol=2, fontsize=12)
    fig.tight_layout()
    save_figure(fig, path)


DIAGRAMS = {
    "apple-graph.png": lambda path: apple_graph(path, backward=False),
    "apple-graph-backward.png": apple_graph,
    "shopping-graph.png": shopping_graph,
    "chain-rule-graph.png": chain_rule_graph,
    "add-node-backward.png": add_node_backward,
    "mul-node-backward.png": mul_node_backward,
    "relu-layer-graph.png": relu_layer_graph,
    "sigmoid-layer-graph.png": sigmoid_layer_graph,
    "affine-layer-graph.png": affine_layer_graph,
    "softmax-with-loss-graph.png": softmax_with_loss_graph,
    "two-layer-net-layers.png": two_layer_net_layers,
}


def draw(out_dir, **_) -> None:
    for name, fn in DIAGRAMS.items():
        fn(Path(out_dir) / name)


def _gradient_check(out: Path, data, seed: int, **_) -> dict:
    """The chapter's check: the first 3 training digits, as the deck's example does."""
    (x, t), _ = data()
    errors = gradient_check_errors(x[:3], t[:3], seed=seed)
    gradient_check_chart(out / "gradient-check.png", errors)
    return {f"{name} {key}": float(f"{err:.2g}") for name, errs in errors.items()
            for key, err in errs.items()}


GROUPS = (
    Group("backprop", 5, {
        "apple-graph.png": "04_backpropagation/apple_graph.png",
        "apple-graph-backward.png": "04_backpropagation/apple_graph_backward.png",
        "shopping-graph.png": "04_backpropagation/shopping_graph.png",
        "chain-rule-graph.png": "04_backpropagation/chain_rule_graph.png",
        "add-node-backward.png": "04_backpropagation/add_node_backward.png",
        "mul-node-backward.png": "04_backpropagation/mul_node_backward.png",
        "relu-layer-graph.png": "04_backpropagation/relu_layer.png",
        "sigmoid-layer-graph.png": "04_backpropagation/sigmoid_layer.png",
        "affine-layer-graph.png": "04_backpropagation/affine_layer.png",
        "softmax-with-loss-graph.png": "04_backpropagation/softmax_with_loss.png",
        "two-layer-net-layers.png": "04_backpropagation/two_layer_net_layers.png",
    }, False, draw),
    Group("gradient-check", 5, {"gradient-check.png": "04_backpropagation/gradient_check.png"},
          True, _gradient_check),
)
