import os
import signal
import subprocess
import sys
import time

import pytest

optuna = pytest.importorskip("optuna", reason="Optuna is an optional extra: pip install 'zerodl[search]'")

from zerodl.errors import ZerodlError  # noqa: E402
from zerodl.search import SearchConfig, completed, run_search  # noqa: E402


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
