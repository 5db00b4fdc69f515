"""Overfitting on 300 digits with a 7-layer net, and what weight decay and Dropout do to it.

The book's setting: 6 hidden layers of 100 ReLU units, SGD with learning rate 0.01, mini-batches
of 100. Without regularisation the net learns its 300 digits perfectly while test accuracy stays
far behind; weight decay (lambda 0.1) and Dropout (ratio 0.2) keep the training accuracy from
running away and narrow the gap.
"""

from __future__ import annotations

from pathlib import Path

from zerodl.experiments.common import load_data
from zerodl.nets import MultiLayerNetExtend
from zerodl.plotting import plt, save_figure, tr
from zerodl.trainer import Trainer

# name in the results -> (figure, network options, label in the figure: English, Japanese)
REGULARISERS = {
    "weight decay 0.1": ("overfit-weight-decay.png", {"weight_decay_lambda": 0.1},
                         ("weight decay λ = 0.1", "Weight decay λ = 0.1")),
    "Dropout 0.2": ("overfit-dropout.png", {"use_dropout": True, "dropout_ration": 0.2},
                    ("Dropout 0.2", "Dropout 0.2")),
}


def accuracy_curves(x, t, x_test, t_test, epochs: int, seed: int, **options):
    """Training and test accuracy after each epoch of the book's 7-layer net with `options`."""
    net = MultiLayerNetExtend(784, [100] * 6, 10, seed=seed, **options)
    trainer = Trainer(net, x, t, x_test, t_test, epochs=epochs, mini_batch_size=100,
                      optimizer="sgd", optimizer_param={"lr": 0.01}, verbose=False, seed=seed)
    trainer.train()
    return trainer.train_acc_list, trainer.test_acc_list


def summary(train, test) -> dict:
    return {"train_acc": round(train[-1], 4), "test_acc": round(test[-1], 4),
            "gap": round(train[-1] - test[-1], 4)}


def plot_overfit(curves, path) -> None:
    """The book's figure 6-20: the training accuracy reaches 100 %, the test accuracy does not."""
    train, test = curves
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(range(1, len(train) + 1), train, color="tab:blue", label=tr("train", "訓練データ"))
    ax.plot(range(1, len(test) + 1), test, "--", color="tab:orange", label=tr("test", "テストデータ"))
    ax.set_xlabel(tr("epoch", "エポック"))
    ax.set_ylabel(tr("accuracy", "認識精度"))
    ax.set_ylim(0, 1.05)
    ax.set_title(tr(f"300 training digits, 7-layer net: train {train[-1]:.2f}, test {test[-1]:.2f}",
                    f"訓練データ 300 枚、7 層のネット：訓練 {train[-1]:.2f}、テスト {test[-1]:.2f}"),
                 fontsize=12)
    ax.legend(loc="lower right")
    fig.tight_layout()
    save_figure(fig, path)


def plot_regularised(labels: tuple[str, str], plain, regularised, path) -> None:
    """Left: the regularised net's accuracies over the plain net's (grey); right: the gaps."""
    label = tr(*labels)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    epochs = range(1, len(plain[0]) + 1)
    left.plot(epochs, plain[0], color="0.75", label=tr("train, plain", "訓練（正則化なし）"))
    left.plot(epochs, plain[1], "--", color="0.75", label=tr("test, plain", "テスト（正則化なし）"))
    left.plot(epochs, regularised[0], color="tab:blue", label=tr(f"train, {label}", f"訓練（{label}）"))
    left.plot(epochs, regularised[1], "--", color="tab:orange",
              label=tr(f"test, {label}", f"テスト（{label}）"))
    left.set_ylim(0, 1.05)
    left.set_ylabel(tr("accuracy", "認識精度"))
    left.legend(fontsize=9, loc="lower right")
    for (train, test), name, color in ((plain, tr("plain", "正則化なし"), "0.6"),
                                       (regularised, label, "tab:green")):
        gap = [a - b for a, b in zip(train, test, strict=True)]
        right.plot(epochs, gap, color=color, label=f"{name}: {gap[-1]:.2f}")
    right.set_ylim(0, 0.4)
    right.set_ylabel(tr("train − test accuracy", "訓練とテストの精度の差"))
    right.legend(fontsize=9, loc="upper left", title=tr("gap at the end", "最後の差"),
                 title_fontsize=9)
    for ax in (left, right):
        ax.set_xlabel(tr("epoch", "エポック"))
    fig.tight_layout()
    save_figure(fig, path)


def run(out_dir, full: bool = False, seed: int = 0, dataset: str = "mnist", data_dir=None,
        download: bool = True, epochs: int | None = None, **_) -> dict:
    out_dir = Path(out_dir)
    (x, t), (x_test, t_test) = load_data(dataset, data_dir, download)
    x, t = x[:300], t[:300]
    if not full:
        x_test, t_test = x_test[:2000], t_test[:2000]
    epochs = epochs or (300 if full else 200)
    plain = accuracy_curves(x, t, x_test, t_test, epochs, seed)
    plot_overfit(plain, out_dir / "overfit.png")
    results = {"plain": summary(*plain)}
    for name, (figure, options, labels) in REGULARISERS.items():
        curves = accuracy_curves(x, t, x_test, t_test, epochs, seed, **options)
        plot_regularised(labels, plain, curves, out_dir / figure)
        results[name] = summary(*curves)
    return results
