"""Overfitting on 300 samples with a 7-layer net, and what weight decay and Dropout do to it."""

from __future__ import annotations

from pathlib import Path

from zerodl.experiments.common import load_data
from zerodl.nets import MultiLayerNetExtend
from zerodl.trainer import Trainer

VARIANTS = {"plain": {}, "weight decay 0.1": {"weight_decay_lambda": 0.1},
            "Dropout 0.2": {"use_dropout": True, "dropout_ration": 0.2}}


def run(out_dir, full: bool = False, seed: int = 0, dataset: str = "mnist", data_dir=None,
        epochs: int | None = None, **_) -> dict:
    from zerodl.figures.style import plt, save_figure

    (x, t), (x_test, t_test) = load_data(dataset, data_dir)
    x, t = x[:300], t[:300]
    if not full:
        x_test, t_test = x_test[:2000], t_test[:2000]
    epochs = epochs or (200 if full else 100)
    fig, axes = plt.subplots(1, len(VARIANTS), figsize=(4 * len(VARIANTS), 3.5), sharey=True)
    results = {}
    for ax, (label, options) in zip(axes, VARIANTS.items(), strict=True):
        net = MultiLayerNetExtend(784, [100] * 6, 10, seed=seed, **options)
        trainer = Trainer(net, x, t, x_test, t_test, epochs=epochs, mini_batch_size=100,
                          optimizer="sgd", optimizer_param={"lr": 0.01}, verbose=False, seed=seed)
        trainer.train()
        train_acc, test_acc = trainer.train_acc_list[-1], trainer.test_acc_list[-1]
        results[label] = {"train_acc": round(train_acc, 4), "test_acc": round(test_acc, 4),
                          "gap": round(train_acc - test_acc, 4)}
        ax.plot(trainer.train_acc_list, label="train")
        ax.plot(trainer.test_acc_list, label="test")
        ax.set_title(f"{label}: gap {train_acc - test_acc:.2f}")
        ax.set_xlabel("epoch")
    axes[0].set_ylabel("accuracy")
    axes[0].legend()
    fig.tight_layout()
    save_figure(fig, Path(out_dir) / "overfit.png")
    return results
