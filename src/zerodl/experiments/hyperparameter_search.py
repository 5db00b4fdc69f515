"""The book's hyperparameter search as an experiment: `zerodl search`, and a plot of its trials.

Random search of the learning rate (1e-6 to 1e-2) and the weight-decay strength (1e-8 to 1e-4),
both on a log scale, each trial a short training run of the book's 7-layer net scored on a
validation split of 500 training digits. The plot shows each trial's validation accuracy against
each of the two: the learning rate decides almost everything, the weight decay hardly matters.
"""

from __future__ import annotations

from pathlib import Path

from zerodl.plotting import plt, save_figure, tr
from zerodl.search import SearchConfig, best_trials, completed, run_search

TOP = 5


def plot_trials(trials, path, top: int = TOP) -> None:
    """Validation accuracy against the learning rate and against the weight decay, log axes;
    the `top` best trials in red."""
    best = {t.number for t in sorted(trials, key=lambda t: t.value, reverse=True)[:top]}
    colors = ["tab:red" if t.number in best else "tab:blue" for t in trials]
    accuracy = [t.value for t in trials]
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
    for ax, key, label in ((axes[0], "lr", tr("learning rate", "学習率")),
                           (axes[1], "weight_decay", tr("weight decay λ", "Weight decay の λ"))):
        ax.scatter([t.params[key] for t in trials], accuracy, c=colors, s=30)
        ax.set_xscale("log")
        ax.set_xlabel(label)
    axes[0].set_ylim(0, 1)
    axes[0].set_ylabel(tr("validation accuracy", "検証データの認識精度"))
    fig.suptitle(tr(f"random search: {len(trials)} trials (red: the best {top})",
                    f"ランダムサーチ：{len(trials)} 回の試行（赤：上位 {top}）"), fontsize=12)
    fig.tight_layout()
    save_figure(fig, path)


def run(out_dir, full: bool = False, seed: int = 0, dataset: str = "mnist", data_dir=None,
        download: bool = True, trials: int | None = None, epochs: int | None = None,
        study_dir=None, **_) -> dict:
    """Search into study_dir (default out_dir/search), where a second run continues the study."""
    config = SearchConfig(out_dir=str(study_dir or Path(out_dir) / "search"),
                          trials=trials or (100 if full else 30),
                          epochs=epochs or 50,
                          seed=seed, dataset=dataset, data_dir=data_dir, download=download)
    study = run_search(config, resume=True)
    plot_trials(completed(study), Path(out_dir) / "hyperparameter-search.png")
    return {"finished trials": len(completed(study)),
            **{f"trial {t.number}": {"val_acc": round(t.value, 4), "lr": f"{t.params['lr']:.2e}",
                                     "weight_decay": f"{t.params['weight_decay']:.2e}"}
               for t in best_trials(study, TOP)}}
