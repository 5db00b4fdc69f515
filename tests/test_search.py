import multiprocessing
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

optuna = pytest.importorskip("optuna", reason="Optuna is an optional extra: pip install 'zerodl[search]'")

from zerodl.cli import main  # noqa: E402
from zerodl.errors import ZerodlError  # noqa: E402
from zerodl.nets import load_model  # noqa: E402
from zerodl.parallel import numpy_blas  # noqa: E402
from zerodl.search import (  # noqa: E402
    LR_RANGE,
    WEIGHT_DECAY_RANGE,
    SearchConfig,
    completed,
    retrain_trial,
    run_search,
    trial_model_path,
)


def config(tmp_path, mnist10k, **kw):
    return SearchConfig(out_dir=str(tmp_path), dataset=str(mnist10k), epochs=2, **kw)


def test_search_records_trials_on_the_validation_split(tmp_path, mnist10k):
    study = run_search(config(tmp_path, mnist10k, trials=4))
    trials = completed(study)
    assert len(trials) == 4 and (tmp_path / "study.journal").exists()
    for t in trials:
        assert 1e-6 <= t.params["lr"] <= 1e-2 and 1e-8 <= t.params["weight_decay"] <= 1e-4
        assert 0 <= t.value <= 1
    with pytest.raises(ZerodlError, match="already exists"):
        run_search(config(tmp_path, mnist10k, trials=4))
    more = run_search(config(tmp_path, mnist10k, trials=2), resume=True)
    assert len(completed(more)) == 6


def test_a_retrain_repeats_the_trial_bit_for_bit_on_the_trials_blas_threads(tmp_path, mnist10k):
    # the trial on one BLAS thread (a worker of two on two cores), the retrain on the process's
    # own number: OpenBLAS's float32 products round differently on one thread and on two
    cfg = config(tmp_path, mnist10k, trials=1)
    with threadpool_limits(limits=1, user_api="blas"):
        trial, = completed(run_search(cfg))
    assert trial.user_attrs["blas"] == {"library": numpy_blas(), "threads": 1}
    searched = load_model(trial_model_path(tmp_path, trial.number)).params
    _, accuracy, path = retrain_trial(cfg, trial.number)
    assert path == trial_model_path(tmp_path, trial.number) and accuracy == trial.value
    retrained = load_model(path).params
    assert searched.keys() == retrained.keys()
    for key, value in searched.items():
        np.testing.assert_array_equal(retrained[key], value, err_msg=key)


def add_trial(study, blas: dict) -> None:
    """A finished trial recorded as run on `blas` (as another machine's worker would)."""
    distributions = {"lr": optuna.distributions.FloatDistribution(*LR_RANGE, log=True),
                     "weight_decay": optuna.distributions.FloatDistribution(*WEIGHT_DECAY_RANGE,
                                                                            log=True)}
    study.add_trial(optuna.trial.create_trial(
        params={"lr": 1e-3, "weight_decay": 1e-6}, distributions=distributions, value=0.5,
        user_attrs={"blas": blas}))


@pytest.mark.parametrize("blas", [{"library": "openblas", "threads": 10**9},
                                  {"library": "openblas", "threads": "2"},
                                  {"library": ["openblas"]}, "openblas"])
def test_a_retrain_refuses_a_trial_with_a_nonsense_blas(tmp_path, mnist10k, blas):
    cfg = config(tmp_path, mnist10k, trials=1)
    add_trial(run_search(cfg), blas)
    with pytest.raises(ZerodlError, match=r"trial 1 records its BLAS as .*: expected a library"):
        retrain_trial(cfg, 1)


def test_a_retrain_on_another_blas_says_that_it_may_round_differently(tmp_path, mnist10k, capsys):
    add_trial(run_search(config(tmp_path, mnist10k, trials=1)),
              {"library": "mkl 2025.1", "threads": 1})
    assert main(["search", "--out", str(tmp_path), "--dataset", str(mnist10k), "--epochs", "2",
                 "--retrain", "1"]) == 0
    out = capsys.readouterr().out
    assert "trial 1 trained again" in out
    assert f"the trial ran on mkl 2025.1, and this machine's NumPy on {numpy_blas()}" in out
    assert main(["search", "--out", str(tmp_path), "--dataset", str(mnist10k), "--epochs", "2",
                 "--retrain", "0"]) == 0
    assert "the trial ran on" not in capsys.readouterr().out


def test_a_database_url_works_as_storage(tmp_path, mnist10k):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    study = run_search(config(tmp_path / "out", mnist10k, trials=2, storage=url))
    assert len(completed(study)) == 2 and (tmp_path / "study.db").exists()
    assert not (tmp_path / "out" / "study.journal").exists()


def test_killed_search_with_two_workers_resumes_to_its_target(tmp_path, mnist10k):
    cmd = [sys.executable, "-m", "zerodl", "-q", "search", "--trials", "20", "--workers", "2",
           "--epochs", "15", "--out", str(tmp_path), "--dataset", str(mnist10k)]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    journal = tmp_path / "study.journal"

    def finished() -> int:
        if not journal.exists():
            return 0
        storage = optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(str(journal)))
        try:
            return len(completed(optuna.load_study(study_name="zerodl-search", storage=storage)))
        except KeyError:
            return 0

    deadline = time.time() + 120
    while time.time() < deadline and finished() < 3:
        time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < finished() < 20
    result = subprocess.run([*cmd[:5], "--trials", "0", *cmd[7:], "--resume"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "20 finished trials" in result.stdout and "best validation accuracy" in result.stdout
    assert (tmp_path / "search.png").exists()


def test_worker_processes_get_capped_blas_and_zerodl_threads(monkeypatch):
    from zerodl.search.study import blas_threads

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "7")
    monkeypatch.delenv("ZERODL_NUM_THREADS", raising=False)
    with blas_threads(1):
        assert os.environ["ZERODL_NUM_THREADS"] == os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["OPENBLAS_NUM_THREADS"] == "7" and "ZERODL_NUM_THREADS" not in os.environ


def test_a_worker_waits_at_the_rendezvous_until_its_command_says_go():
    from zerodl.search.study import _Rendezvous

    ctx = multiprocessing.get_context("spawn")
    rendezvous = _Rendezvous(ctx)
    worker = ctx.Process(target=rendezvous)
    worker.start()
    assert rendezvous.ready.acquire(timeout=60)
    worker.join(timeout=1.5)
    assert worker.is_alive()  # still waiting for go
    rendezvous.go.set()
    worker.join(timeout=30)
    assert worker.exitcode == 0


def test_a_worker_that_fails_before_its_first_trial_stops_the_command(tmp_path, mnist10k):
    from zerodl.search.study import _start_workers

    ctx = multiprocessing.get_context("spawn")
    # no study of that name in the journal: each worker fails as it opens it
    cfg = config(tmp_path, mnist10k, study="nowhere", workers=2)
    contributed = []
    with pytest.raises(ZerodlError, match="a search worker failed before its first trial"):
        _start_workers(ctx, cfg, 0, lambda: contributed.append(True))
    assert not contributed  # the command's trials were never added to the target
