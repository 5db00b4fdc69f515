"""The book's hyperparameter search as an experiment: `zerodl search` with its defaults."""

from __future__ import annotations

from pathlib import Path


def run(out_dir, full: bool = False, seed: int = 0, dataset: str = "mnist", data_dir=None,
        download: bool = True, trials: int | None = None, epochs: int | None = None, **_) -> dict:
    from zerodl.search import SearchConfig, best_trials, completed, plot_search, run_search

    config = SearchConfig(out_dir=str(Path(out_dir) / "search"),
                          trials=trials or (100 if full else 20), epochs=epochs or (50 if full else 20),
                          seed=seed, dataset=dataset,
                          data_dir=data_dir, download=download)
    study = run_search(config, resume=True)  # a second run continues the same study
    plot_search(study, Path(out_dir) / "hyperparameter-search.png")
    return {"finished trials": len(completed(study)),
            **{f"trial {t.number}": {"val_acc": round(t.value, 4), "lr": f"{t.params['lr']:.2e}",
                                     "weight_decay": f"{t.params['weight_decay']:.2e}"}
               for t in best_trials(study)}}
