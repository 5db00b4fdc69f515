"""The book's hyperparameter search (chapter 6) on Optuna, able to outgrow one process or machine.

Random search over the learning rate and the weight-decay strength, both log-uniform, each trial
a short training run scored on a validation split carved from the training data (never the test
set). The study lives in a storage that several processes can share: by default a journal file
in the output directory (one machine; safe under parallel writers, where SQLite locks), or a
database URL that Optuna accepts, PostgreSQL above all, so that other machines can join.

Several machines on one study. `zerodl search --storage postgresql://... --study NAME --trials N`
started on several machines (or several times on one) works on one study:

- each command adds its N trials to the study's target (recorded under its own key, so that
  commands starting at the same moment do not overwrite each other's), and every worker runs
  trials until the study holds the target of finished trials: all the commands' trials end up
  in the one study, whichever worker ran them;
- each worker draws its parameters from its own random stream, so that no two draw alike;
- a running trial sends a heartbeat to the database; a trial silent for three heartbeats (its
  worker was killed, or its machine lost) is marked failed by the next worker that looks, so
  that the study never keeps a trial running for ever, and the trials still missing from the
  target are run by the others;
- a command that joins an existing study must search the same way (epochs, samples, split,
  seed, the same data): otherwise its trials could not be compared with the others.

Every trial's model is saved in the --out folder of the machine that ran it (trials/trial-N),
and recorded in the trial as host:path; retrain_trial() trains trial N again from the study
alone (its parameters, its seed and its number of BLAS threads), on any machine, into the
same name."""

from zerodl.search.storage import (
    JOURNAL_NAME,
    STUDY_NAME,
    SearchConfig,
    database_url,
    make_sampler,
    require_optuna,
    storage_for,
)
from zerodl.search.study import fail_abandoned_trials, open_study, retrain_trial, run_search
from zerodl.search.trials import (
    LR_RANGE,
    TRIALS_DIR,
    WEIGHT_DECAY_RANGE,
    best_trials,
    completed,
    plot_search,
    recorded_blas,
    train_trial,
    trial_model_path,
)

__all__ = ["JOURNAL_NAME", "LR_RANGE", "STUDY_NAME", "TRIALS_DIR", "WEIGHT_DECAY_RANGE",
           "SearchConfig", "best_trials", "completed", "database_url", "fail_abandoned_trials",
           "make_sampler", "open_study", "plot_search", "recorded_blas", "require_optuna",
           "retrain_trial", "run_search", "storage_for", "train_trial", "trial_model_path"]
