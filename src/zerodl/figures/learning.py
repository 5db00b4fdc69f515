"""Chapter 4 figures: learning from data, the losses, numerical derivatives, gradients, gradient
descent and its learning rate, and the two-layer network's training."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.figures.group import Group
from zerodl.gradient import gradient_descent, numerical_diff, numerical_gradient
from zerodl.nets import TwoLayerNet
from zerodl.plotting import blank, plt, save_figure, tr
from zerodl.trainer import Trainer

# Boxes of the approaches diagram: what people design, and what is learned from data.
HUMAN, LEARNED = "#dddddd", "white"


def function_1(x):
    """The book's example: y = 0.01 x^2 + 0.1 x."""
    return 0.01 * x**2 + 0.1 * x


def function_2(x):
    """The book's f(x0, x1) = x0^2 + x1^2 (x[0] and x[1] may be arrays of points)."""
    return x[0] ** 2 + x[1] ** 2


def _box(ax, x, y, width, text, color, height=0.9):
    ax.add_patch(plt.Rectangle((x, y - height / 2), width, height, facecolor=color,
                               edgecolor="black", lw=1.2))
    ax.text(x + width / 2, y, text, ha="center", va="center", fontsize=12)


def _flow(ax, x0, x1, y):
    ax.annotate("", xy=(x1, y), xytext=(x0, y), arrowprops={"arrowstyle": "->", "lw": 1.3})


def learning_approaches(path) -> None:
    """The book's three ways from an image to its answer: rules, features + machine learning,
    and a network that learns everything (end-to-end)."""
    fig, ax = plt.subplots(figsize=(8, 3.7))
    fig.subplots_adjust(0, 0, 1, 1)
    rows = (
        (3.0, [(tr("an algorithm designed by people", "人が考えたアルゴリズム"), HUMAN, 7.0)]),
        (1.6, [(tr("features designed\nby people (SIFT, HOG)", "人が考えた特徴量\n（SIFT、HOG など）"),
                HUMAN, 3.2),
               (tr("machine learning\n(SVM, KNN)", "機械学習\n（SVM、KNN など）"), LEARNED, 3.2)]),
        (0.2, [(tr("neural network (deep learning)", "ニューラルネットワーク（ディープラーニング）"),
                LEARNED, 7.0)]),
    )
    for y, boxes in rows:
        _box(ax, 0, y, 1.0, tr("image", "画像"), "white")
        x = 1.0
        for text, color, width in boxes:
            _flow(ax, x, x + 0.6, y)
            _box(ax, x + 0.6, y, width, text, color)
            x += 0.6 + width
        _flow(ax, x, x + 0.6, y)
        ax.text(x + 0.7, y, tr("answer", "答え"), ha="left", va="center", fontsize=12)
    for i, (color, text) in enumerate(((HUMAN, tr("designed by people", "人が設計する")),
                                       (LEARNED, tr("learned from data", "データから学習する")))):
        ax.add_patch(plt.Rectangle((1.6 + i * 3.6, -1.25), 0.5, 0.4, facecolor=color,
                                   edgecolor="black", lw=1.0))
        ax.text(2.25 + i * 3.6, -1.05, text, va="center", fontsize=11)
    blank(ax, (-0.2, 10.9), (-1.5, 3.6))
    save_figure(fig, path)


def cross_entropy_curve(path) -> None:
    """E = -log y over the network's output for the true class, with the book's two examples."""
    y = np.linspace(0.005, 1, 400)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(y, -np.log(y), lw=2)
    for p, text in ((0.6, tr("fairly sure of the answer", "正解をかなり確信")),
                    (0.1, tr("unsure of the answer", "正解に自信がない"))):
        e = -np.log(p)
        ax.plot(p, e, "o", color="tab:orange", zorder=3)
        ax.annotate(f"{text}\ny = {p:g}, E = {e:.2f}", (p, e), xytext=(p + 0.08, e + 0.9),
                    fontsize=11, arrowprops={"arrowstyle": "-", "color": "0.5"})
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 5.4)
    ax.set_xlabel(tr("y: the output for the true class", "y：正解クラスの出力"))
    ax.set_ylabel("$E = -\\log y$")
    ax.set_title(tr("cross-entropy error: the lower the true class's output, the larger the loss",
                    "交差エントロピー誤差：正解クラスの出力が小さいほど大きい"), fontsize=12)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path)


def difference_errors(f, df, x: float, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|forward difference - f'(x)| and |central difference - f'(x)| for each step h."""
    forward = np.array([(f(x + h) - f(x)) / h for h in steps])
    central = np.array([numerical_gradient(lambda p: float(f(p[0])), np.array([x]), h)[0]
                        for h in steps])
    return np.abs(forward - df(x)), np.abs(central - df(x))


def numerical_diff_error(path) -> None:
    """How the error of a numerical derivative depends on h: a large h misses the slope, a tiny
    h drowns it in rounding error."""
    steps = np.logspace(-16, -1, 61)
    forward, central = difference_errors(np.sin, np.cos, 1.0, steps)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.loglog(steps, forward, "o-", ms=3,
              label=tr("forward difference (f(x+h) − f(x)) / h",
                       "前方差分 (f(x+h) − f(x)) / h"))
    ax.loglog(steps, central, "o-", ms=3,
              label=tr("central difference (f(x+h) − f(x−h)) / 2h",
                       "中心差分 (f(x+h) − f(x−h)) / 2h"))
    ax.axvline(1e-4, color="0.5", ls="--", lw=1)
    ax.text(1.4e-4, 1e-1, "$h = 10^{-4}$", color="0.3", fontsize=11)
    ax.text(1e-16, 1e-10, tr("rounding error\ngrows", "丸め誤差が\n大きくなる"), fontsize=11)
    ax.text(2e-4, 1e-12, tr("the step is\ntoo coarse", "刻みが\n粗すぎる"), fontsize=11)
    ax.set_xlabel(tr("step h", "刻み幅 h"))
    ax.set_ylabel(tr("error of the derivative", "微分の誤差"))
    ax.set_ylim(1e-17, 1)
    ax.set_title(tr("error of the numerical derivative of sin x at x = 1",
                    "sin x の x = 1 での数値微分の誤差"), fontsize=12)
    ax.legend(loc="lower left", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def numerical_derivative(path) -> None:
    x = np.linspace(0, 20, 201)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(x, function_1(x), lw=2, label="$y = 0.01x^2 + 0.1x$")
    for x0 in (5.0, 10.0):
        slope = numerical_diff(function_1, x0)
        ax.plot(x, slope * (x - x0) + function_1(x0), "--",
                label=tr(f"tangent at x = {x0:g} (slope {slope:.4f})",
                         f"x = {x0:g} での接線（傾き {slope:.4f}）"))
        ax.plot(x0, function_1(x0), "o", color="black", ms=4)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    ax.set_title(tr("the numerical derivative is the slope of the tangent",
                    "数値微分で求めた傾きは接線の傾き"), fontsize=12)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path)


def partial_derivative(path, point=(3.0, 4.0)) -> None:
    """f = x0^2 + x1^2 as a surface, and its cut at x1 = 4 whose slope at x0 = 3 is df/dx0."""
    a, b = point
    grid = np.linspace(-5, 5, 41)
    x0, x1 = np.meshgrid(grid, grid)
    fig = plt.figure(figsize=(9, 4.3))
    ax3d = fig.add_subplot(1, 2, 1, projection="3d")
    ax3d.plot_surface(x0, x1, function_2((x0, x1)), cmap="Blues", alpha=0.55, lw=0)
    ax3d.plot(grid, np.full_like(grid, b), function_2((grid, b)), color="tab:orange", lw=2.5)
    ax3d.plot([a], [b], [function_2((a, b))], "o", color="black", ms=5)
    ax3d.set_xlabel("$x_0$")
    ax3d.set_ylabel("$x_1$", labelpad=10)
    ax3d.view_init(elev=28, azim=-60)
    ax3d.set_title(tr(f"f = x₀² + x₁², cut at x₁ = {b:g}",
                      f"f = x₀² + x₁² と x₁ = {b:g} の断面"), fontsize=12)

    ax = fig.add_subplot(1, 2, 2)
    slope = numerical_diff(lambda t: function_2((t, b)), a)
    ax.plot(grid, function_2((grid, b)), color="tab:orange", lw=2,
            label=f"$f(x_0, {b:g}) = x_0^2 + {b**2:g}$")
    ax.plot(grid, slope * (grid - a) + function_2((a, b)), "--", color="0.3",
            label=tr(f"tangent at x₀ = {a:g}: slope {slope:.2f}",
                     f"x₀ = {a:g} での接線：傾き {slope:.2f}"))
    ax.plot(a, function_2((a, b)), "o", color="black", ms=5)
    ax.set_ylim(0, 45)
    ax.set_xlabel("$x_0$")
    ax.set_title(tr(f"∂f/∂x₀ = {slope:.2f} at ({a:g}, {b:g})",
                    f"({a:g}, {b:g}) で ∂f/∂x₀ = {slope:.2f}"),
                 fontsize=12)
    ax.legend(loc="upper center", fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path)


def gradient_field(path) -> None:
    grid = np.arange(-2, 2.25, 0.25)
    x0, x1 = np.meshgrid(grid, grid)
    points = np.stack([x0.ravel(), x1.ravel()]).astype(np.float64)
    grads = np.array([numerical_gradient(function_2, points[:, i].copy())
                      for i in range(points.shape[1])]).T
    fig, ax = plt.subplots(figsize=(6, 5.4))
    ax.quiver(points[0], points[1], -grads[0], -grads[1], angles="xy", color="#666666")
    ax.plot(0, 0, "o", color="tab:orange", ms=6)
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_title(tr("−∇f for f = x₀² + x₁²:\nevery arrow points to the minimum (0, 0)",
                    "f = x₀² + x₁² の −∇f：\nどの矢印も最小値 (0, 0) を向く"),
                 fontsize=12)
    ax.set_aspect("equal")
    fig.tight_layout()
    save_figure(fig, path)


def _circles(ax, radii=(1, 2, 3, 4, 5)) -> None:
    """Contour lines of x0^2 + x1^2."""
    t = np.linspace(0, 2 * np.pi, 200)
    for r in radii:
        ax.plot(r * np.cos(t), r * np.sin(t), color="0.85", lw=0.8)


def gradient_descent_path(path) -> None:
    _, history = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=20,
                                  return_history=True)
    fig, ax = plt.subplots(figsize=(6, 5.4))
    _circles(ax)
    ax.plot(history[:, 0], history[:, 1], "o-", color="tab:blue", markersize=4)
    ax.plot(0, 0, "o", color="tab:orange", ms=6)
    ax.annotate(tr("start (-3, 4)", "開始点 (-3, 4)"), history[0], xytext=(-3.3, 4.25),
                fontsize=11)
    ax.set_xlim(-4.5, 4.5)
    ax.set_ylim(-4.5, 4.7)
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_title(tr("gradient descent on x₀² + x₁²:\nlearning rate 0.1, 20 steps",
                    "x₀² + x₁² の勾配降下法：\n学習率 0.1、20 ステップ"), fontsize=12)
    ax.set_aspect("equal")
    fig.tight_layout()
    save_figure(fig, path)


# Learning rates compared on f(x) = x^2: each is taken for the same number of steps.
LEARNING_RATES = (
    (0.01, "too small: it hardly moves", "小さすぎる：ほとんど進まない"),
    (0.1, "about right: it reaches the minimum", "ちょうどよい：最小値に着く"),
    (1.02, "too large: it overshoots and diverges", "大きすぎる：行き過ぎて発散する"),
)


def descent_paths(start: float = -4.0, steps: int = 20) -> dict[float, np.ndarray]:
    """Gradient descent on f(x) = x^2 from `start` for each of LEARNING_RATES: the x of every
    step, the start included."""
    paths = {}
    for lr, _, _ in LEARNING_RATES:
        x, history = gradient_descent(lambda p: float(p[0] ** 2), [start], lr=lr, step_num=steps,
                                      return_history=True)
        paths[lr] = np.append(history[:, 0], x[0])
    return paths


def learning_rates(path) -> None:
    paths = descent_paths()
    x = np.linspace(-10, 10, 201)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.9), sharey=True)
    for ax, (lr, en, ja) in zip(axes, LEARNING_RATES, strict=True):
        xs = paths[lr]
        ax.plot(x, x**2, color="0.6", lw=1.2)
        ax.plot(xs, xs**2, "o-", color="tab:blue", ms=3.5, lw=0.9)
        ax.plot(xs[0], xs[0] ** 2, "o", color="tab:orange", ms=6, zorder=3)
        ax.set_title(tr(f"learning rate {lr:g}\n{en}", f"学習率 {lr:g}\n{ja}"), fontsize=11)
        ax.text(0, 88, tr(f"after {xs.size - 1} steps: x = {xs[-1]:.2f}",
                          f"{xs.size - 1} ステップ後：x = {xs[-1]:.2f}"), ha="center", fontsize=10)
        ax.set_xlim(-10, 10)
        ax.set_ylim(-3, 100)
        ax.set_xlabel("$x$")
    axes[0].set_ylabel("$f(x) = x^2$")
    fig.tight_layout()
    save_figure(fig, path)


DIAGRAMS = {"learning-approaches.png": learning_approaches,
            "cross-entropy-curve.png": cross_entropy_curve,
            "numerical-diff-error.png": numerical_diff_error,
            "numerical-derivative.png": numerical_derivative,
            "partial-derivative.png": partial_derivative,
            "gradient-field.png": gradient_field,
            "gradient-descent.png": gradient_descent_path,
            "learning-rates.png": learning_rates}


def draw(out_dir, **_) -> None:
    for name, fn in DIAGRAMS.items():
        fn(Path(out_dir) / name)


def minibatch_sgd(network, x, t, iters: int, batch_size: int = 100, lr: float = 0.1,
                  seed: int = 0) -> list[float]:
    """The book's loop: draw a random mini-batch, compute the gradient, step against it.

    Each batch is drawn afresh, so an image may come twice in a batch or in none of an epoch's
    batches (the Trainer instead walks through one permutation per epoch). Returns the loss of
    every step."""
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(iters):
        batch = rng.choice(len(x), batch_size)
        loss, grads = network.loss_and_gradient(x[batch], t[batch])
        for key in network.params:
            network.params[key] -= lr * grads[key]
        losses.append(loss)
    return losses


def minibatch_loss(path, data, iters: int = 600, seed: int = 0) -> dict:
    """The loss of every mini-batch while the two-layer net learns, one epoch marked apart."""
    (x, t), _ = data
    losses = minibatch_sgd(TwoLayerNet(784, 50, 10, seed=seed), x, t, iters, seed=seed)
    iter_per_epoch = len(x) // 100
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(np.arange(1, iters + 1), losses, lw=0.8)
    for epoch in range(1, iters // iter_per_epoch + 1):
        ax.axvline(epoch * iter_per_epoch, color="0.6", ls=":", lw=1)
        ax.text(epoch * iter_per_epoch - iter_per_epoch / 2, 2.45,
                tr(f"epoch {epoch}", f"{epoch} エポック目"), ha="center", fontsize=10, color="0.3")
    ax.set_xlim(0, iters)
    ax.set_ylim(0, 2.6)
    ax.set_xlabel(tr("iteration (one mini-batch of 100 images each)",
                     "反復回数（1 回にミニバッチ 100 枚）"))
    ax.set_ylabel(tr("loss of the mini-batch", "ミニバッチの損失"))
    ax.set_title(tr(f"two-layer network, SGD with learning rate 0.1 on {len(x):,} images",
                    f"2層ニューラルネットワーク、学習率 0.1 の SGD、訓練画像 {len(x):,} 枚"),
                 fontsize=12)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path)
    return {"first_loss": round(losses[0], 4), "last_loss": round(losses[-1], 4)}


def two_layer_learning_curves(path, data, epochs: int = 10, seed: int = 0) -> dict:
    """Train the book's TwoLayerNet (50 hidden, SGD lr 0.1) with the Trainer and plot its mean
    loss and its accuracies per epoch."""
    (x, t), (x_test, t_test) = data
    trainer = Trainer(TwoLayerNet(784, 50, 10, seed=seed), x, t, x_test, t_test, epochs=epochs,
                      optimizer="sgd", optimizer_param={"lr": 0.1}, verbose=False, seed=seed)
    history = trainer.train()
    per_epoch = history["iter_per_epoch"]
    losses = np.asarray(history["train_loss"]).reshape(-1, per_epoch).mean(axis=1)
    epoch = np.arange(1, epochs + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 4))
    ax_loss.plot(epoch, losses, "o-")
    ax_loss.set_ylabel(tr("mean loss of the epoch", "エポックの平均損失"))
    for key, en, ja in (("train_acc", "training data", "訓練データ"),
                        ("test_acc", "test data", "テストデータ")):
        ax_acc.plot(epoch, history[key], "o-", label=tr(en, ja))
    ax_acc.set_ylabel(tr("accuracy", "認識精度"))
    ax_acc.legend(loc="lower right")
    for ax in (ax_loss, ax_acc):
        ax.set_xlabel(tr("epoch", "エポック"))
        ax.set_xticks(epoch)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path)
    return {"train_accuracy": round(history["train_acc"][-1], 4),
            "test_accuracy": round(trainer.final_test_acc, 4)}


def _minibatch_loss(out: Path, data, quick: bool, seed: int, **_) -> dict:
    return minibatch_loss(out / "minibatch-loss.png", data(), iters=200 if quick else 600,
                          seed=seed)


def _two_layer_curves(out: Path, data, quick: bool, seed: int, **_) -> dict:
    return two_layer_learning_curves(out / "two-layer-learning-curves.png", data(),
                                     epochs=2 if quick else 10, seed=seed)


GROUPS = (
    Group("learning", 4, {"learning-approaches.png": "03_learning/approaches.png",
                          "cross-entropy-curve.png": "03_learning/cross_entropy.png",
                          "numerical-diff-error.png": "03_learning/numerical_diff_error.png",
                          "numerical-derivative.png": "03_learning/numerical_derivative.png",
                          "partial-derivative.png": "03_learning/partial_derivative.png",
                          "gradient-field.png": "03_learning/gradient_field.png",
                          "gradient-descent.png": "03_learning/gradient_descent.png",
                          "learning-rates.png": "03_learning/learning_rates.png"}, False, draw),
    Group("minibatch-loss", 4, {"minibatch-loss.png": "03_learning/minibatch_loss.png"}, True,
          _minibatch_loss),
    Group("two-layer-learning-curves", 4,
          {"two-layer-learning-curves.png": "03_learning/two_layer_learning_curves.png"}, True,
          _two_layer_curves),
)
