"""`zerodl search` workers sharing one study in a real PostgreSQL server (tests/postgres.py).

Without the server binaries and psycopg these tests are skipped on a user's machine; in CI
(ZERODL_REQUIRE_POSTGRES=1, set by .ci/run) they fail instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

optuna = pytest.importorskip("optuna", reason="Optuna is an optional extra: pip install 'zerodl[search]'")

from postgres import PostgresServer, server_binaries  # noqa: E402
from zerodl.nets import load_model  # noqa: E402
from zerodl.search import database_url  # noqa: E402

TrialState = optuna.trial.TrialState


@pytest.fixture(scope="session")
def postgres():
    binaries = server_binaries()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        binaries = None
    if binaries is None:
        if os.environ.get("ZERODL_REQUIRE_POSTGRES") == "1":
            pytest.fail("ZERODL_REQUIRE_POSTGRES=1 but the PostgreSQL server binaries (Debian's"
                        " postgresql package) or psycopg (pip install 'zerodl[cluster]') are missing")
        pytest.skip("needs PostgreSQL's server binaries and psycopg: pip install 'zerodl[cluster]'")
    server = PostgresServer(binaries).start()
    yield server
    server.stop()


@pytest.fixture
def database(postgres) -> str:
    return postgres.create_database(f"search_{uuid.uuid4().hex[:8]}")


def search(url: str, out, mnist10k, *args: str) -> list[str]:
    return [sys.executable, "-m", "zerodl", "-q", "search", "--storage", url, "--study", "shared",
            "--out", str(out), "--dataset", str(mnist10k), "--epochs", "2", *args]


def study_of(url: str):
    storage = optuna.storages.RDBStorage(database_url(url))
    return optuna.load_study(study_name="shared", storage=storage)


def start(command: list[str]) -> subprocess.Popen:
    # one BLAS thread each: two workers on two cores
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})


def test_a_postgres_url_goes_through_psycopg_3():
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql+psycopg2://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_two_workers_end_with_all_their_trials_in_one_study(database, mnist10k, tmp_path):
    workers = [start(search(database, tmp_path / name, mnist10k, "--trials", "3"))
               for name in ("a", "b")]
    outputs = [w.communicate(timeout=300) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    study = study_of(database)
    finished = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(finished) == 6
    assert not study.get_trials(states=(TrialState.RUNNING,))
    # the only failed trials are those that a worker asked for after the target was met
    assert all(t.user_attrs.get("surplus") for t in study.get_trials(states=(TrialState.FAIL,)))
    assert len({t.user_attrs["worker"] for t in finished}) == 2  # both worked
    assert len({t.params["lr"] for t in finished}) == 6  # and never drew alike
    # each trial's model is where its worker ran
    for t in finished:
        path = t.user_attrs["model"].partition(":")[2]
        assert path.startswith(str(tmp_path)) and os.path.isfile(path)
    assert any("6 finished trials" in out for out, _ in outputs)

    # the best trial, trained again from the study alone, on "another machine" (folder)
    best = max(finished, key=lambda t: t.value)
    result = subprocess.run(search(database, tmp_path / "c", mnist10k, "--retrain", "best"),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (f"trial {best.number} trained again" in result.stdout
            and f"validation accuracy {best.value:.4f} (the study recorded {best.value:.4f})"
            in result.stdout)
    # on the workers' one BLAS thread, which the trial recorded, not this process's number
    assert best.user_attrs["blas"]["threads"] == 1
    again = load_model(tmp_path / "c" / "trials" / f"trial-{best.number}.safetensors")
    searched = load_model(best.user_attrs["model"].partition(":")[2])
    assert searched.meta["search"]["trial"] == best.number
    for key, value in searched.params.items():
        np.testing.assert_array_equal(again.params[key], value, err_msg=key)


def test_a_killed_worker_leaves_its_trial_failed_and_the_study_goes_on(database, mnist10k,
                                                                        tmp_path):
    # trials of 40 epochs (about a second each), heartbeats every second
    args = ("--trials", "3", "--epochs", "40", "--heartbeat", "1")
    survivor = start(search(database, tmp_path / "a", mnist10k, *args))
    victim = start(search(database, tmp_path / "b", mnist10k, *args))
    victims = f":{victim.pid}"

    def running_trial_of_victim():
        try:
            trials = study_of(database).get_trials(states=(TrialState.RUNNING,))
        except KeyError:  # the study is not created yet
            return None
        return next((t for t in trials if t.user_attrs.get("worker", "").endswith(victims)), None)

    deadline = time.monotonic() + 120
    while (killed := running_trial_of_victim()) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert killed is not None, "the second worker never started a trial"
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    _, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err

    study = study_of(database)
    assert study.trials[killed.number].state == TrialState.FAIL
    assert not study.get_trials(states=(TrialState.RUNNING,))
    # the survivor ran the trials that the victim left undone
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 6

    # the study stays usable: a third command joins it and adds its trial
    joined = subprocess.run(search(database, tmp_path / "c", mnist10k, *args[:1], "1", *args[2:]),
                            capture_output=True, text=True, timeout=300)
    assert joined.returncode == 0, joined.stderr
    assert "7 finished trials" in joined.stdout


def test_joining_a_study_with_other_settings_is_refused(database, mnist10k, tmp_path):
    first = subprocess.run(search(database, tmp_path / "a", mnist10k, "--trials", "1"),
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    other = subprocess.run(search(database, tmp_path / "b", mnist10k, "--trials", "1",
                                  "--epochs", "3"), capture_output=True, text=True, timeout=300)
    assert other.returncode == 2
    assert other.stderr.strip() == (
        f"zerodl: study 'shared' in {database} runs its trials with epochs 2 (here 3): they"
        " would not be comparable; join it with the same settings and data, or choose another"
        " --study")
