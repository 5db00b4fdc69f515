import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from zerodl.errors import DivergenceError, ModelFileError
from zerodl.io import read_tensors, write_tensors
from zerodl.nets import MultiLayerNet, TwoLayerNet, load_model
from zerodl.trainer import Trainer, TrainingInterrupted

DATA_SNIPPET = """
import numpy as np
rng = np.random.default_rng(7)
x = rng.standard_normal((230, 12)).astype(np.float32)
t = (x[:, :3].sum(axis=1) > 0).astype(np.int64) + 2 * (x[:, 3] > 0)
"""


def toy_data():
    scope = {}
    exec(DATA_SNIPPET, scope)
    return scope["x"], scope["t"]


def make_trainer(out_dir=None, optimizer="adam", lr=0.01, epochs=5):
    x, t = toy_data()
    net = MultiLayerNet(12, [16, 8], 4, seed=3)
    return Trainer(net, x[:200], t[:200], x[200:], t[200:], epochs=epochs, mini_batch_size=32,
                   optimizer=optimizer, optimizer_param={"lr": lr}, verbose=False, seed=11,
                   out_dir=out_dir)


def assert_same_state(a: Trainer, b: Trainer):
    for key in a.network.params:
        np.testing.assert_array_equal(a.network.params[key], b.network.params[key])
    assert a.history()["train_loss"] == b.history()["train_loss"]
    assert a.history()["test_acc"] == b.history()["test_acc"]


def test_whole_epochs_over_a_permutation():
    trainer = make_trainer(epochs=1)
    seen = []
    original = trainer.network.loss_and_gradient

    def spy(x, t):
        seen.append(len(x))
        return original(x, t)

    trainer.network.loss_and_gradient = spy
    trainer.train()
    assert trainer.iter_per_epoch == 7 and seen == [32] * 6 + [8]


def test_same_seed_is_bit_identical():
    a, b = make_trainer(), make_trainer()
    a.train()
    b.train()
    assert_same_state(a, b)
    assert a.train_acc_list[-1] > 0.6


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_every_optimizer_is_bit_identical_with_the_same_seed(optimizer):
    a, b = make_trainer(optimizer=optimizer, epochs=2), make_trainer(optimizer=optimizer, epochs=2)
    a.train()
    b.train()
    assert_same_state(a, b)


def test_simple_conv_net_training_is_bit_identical():
    from zerodl.nets import SimpleConvNet

    rng = np.random.default_rng(0)
    x = rng.random((60, 1, 12, 12), dtype=np.float32)
    t = rng.integers(0, 3, 60)
    runs = []
    for _ in range(2):
        net = SimpleConvNet(input_dim=(1, 12, 12), conv_param={"filter_num": 4, "filter_size": 3},
                            hidden_size=8, output_size=3, seed=5)
        trainer = Trainer(net, x, t, x[:20], t[:20], epochs=2, mini_batch_size=16,
                          optimizer="adam", optimizer_param={"lr": 0.01}, verbose=False, seed=9)
        trainer.train()
        runs.append(trainer)
    assert_same_state(*runs)


def test_checkpoints_history_and_curves_are_written(tmp_path):
    trainer = make_trainer(tmp_path, epochs=2)
    trainer.train()
    for name in ("checkpoint.safetensors", "model.safetensors", "metrics.csv", "loss.csv",
                 "curves.png"):
        assert (tmp_path / name).stat().st_size > 0
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,mean_loss,train_acc,test_acc") and len(rows) == 3
    assert len((tmp_path / "loss.csv").read_text().splitlines()) == 1 + 2 * 7
    assert load_model(tmp_path / "model.safetensors").config() == trainer.network.config()


KILL_SCRIPT = DATA_SNIPPET + """
import os, signal, sys
from zerodl.nets import MultiLayerNet
from zerodl.trainer import Trainer
net = MultiLayerNet(12, [16, 8], 4, seed=3)
trainer = Trainer(net, x[:200], t[:200], x[200:], t[200:], epochs=5, mini_batch_size=32,
                  optimizer="adam", optimizer_param={"lr": 0.01}, verbose=False, seed=11,
                  out_dir=sys.argv[1])
step = trainer._train_step
def step_then_die():
    if trainer.epoch == 2 and trainer.step == 4:   # in the middle of epoch 3
        os.kill(os.getpid(), signal.SIGKILL)
    step()
trainer._train_step = step_then_die
trainer.train()
"""


def test_sigkill_in_epoch_3_then_resume_equals_uninterrupted_run(tmp_path):
    result = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert not (tmp_path / "model.safetensors").exists()
    assert_resume_matches_uninterrupted_run(tmp_path)


def assert_resume_matches_uninterrupted_run(run_dir):
    resumed = make_trainer(run_dir)
    resumed.train(resume=True)
    straight = make_trainer()
    straight.train()
    assert_same_state(resumed, straight)


def test_ctrl_c_writes_mid_epoch_checkpoint_and_resumes_exactly(tmp_path):
    trainer = make_trainer(tmp_path)
    step = trainer._train_step

    def step_then_interrupt():
        step()
        if trainer.epoch == 1 and trainer.step == 3:
            os.kill(os.getpid(), signal.SIGINT)

    trainer._train_step = step_then_interrupt
    with pytest.raises(TrainingInterrupted, match="epoch 2, iteration 3"):
        trainer.train()
    assert_resume_matches_uninterrupted_run(tmp_path)


def test_divergence_stops_with_message_and_keeps_loadable_checkpoint(tmp_path):
    trainer = make_trainer(tmp_path, optimizer="sgd", lr=1e6)
    with pytest.raises(DivergenceError, match=r"loss became (nan|inf) at epoch 1, iteration \d+"):
        trainer.train()
    model = load_model(tmp_path / "checkpoint.safetensors")
    assert all(np.all(np.isfinite(p)) for p in model.params.values())


def test_resume_refuses_a_checkpoint_of_another_architecture(tmp_path):
    make_trainer(tmp_path, epochs=1).train()
    x, t = toy_data()
    other = Trainer(TwoLayerNet(12, 5, 4), x, t, x, t, epochs=1, verbose=False, out_dir=tmp_path)
    with pytest.raises(Exception, match="checkpoint is for model mlp"):
        other.train(resume=True)


@pytest.mark.parametrize("damage", [
    lambda state: state.pop("rng"),
    lambda state: state["optimizer"].pop("slots"),
    lambda state: state.update(epoch="3"),
    lambda state: state.update(seed=[1]),
])
def test_resume_refuses_a_damaged_trainer_state(tmp_path, damage):
    """A checkpoint is a file like any other: a trainer state without a key, or with a key of
    another type, is a ModelFileError in one line, not a KeyError deep in the resume."""
    make_trainer(tmp_path, epochs=1).train()
    path = tmp_path / "checkpoint.safetensors"
    tensors, meta = read_tensors(path)
    state = json.loads(meta["trainer"])
    damage(state)
    write_tensors(path, tensors, {**meta, "trainer": json.dumps(state)})
    with pytest.raises(ModelFileError, match="its trainer state lacks") as error:
        make_trainer(tmp_path, epochs=2).train(resume=True)
    assert "\n" not in str(error.value)


def test_validation_accuracy_is_recorded(tmp_path):
    x, t = toy_data()
    trainer = Trainer(TwoLayerNet(12, 8, 4, seed=0), x[:150], t[:150], x[200:], t[200:],
                      epochs=2, verbose=False, x_val=x[150:200], t_val=t[150:200],
                      optimizer_param={"lr": 0.1})
    history = trainer.train()
    assert len(history["val_acc"]) == 2 and json.dumps(history)


def test_bad_arguments():
    x, t = toy_data()
    with pytest.raises(ValueError, match="200 training samples but 230 labels"):
        Trainer(TwoLayerNet(12, 8, 4), x[:200], t, x, t)


class BookInterfaceOnly:
    """A zerodl network seen through the book's interface alone: params, gradient, loss and
    accuracy, no loss_and_gradient, no config."""

    def __init__(self, net):
        self.net, self.params = net, net.params

    def gradient(self, x, t):
        return self.net.gradient(x, t)

    def loss(self, x, t):
        return self.net.loss(x, t)

    def accuracy(self, x, t):
        return self.net.accuracy(x, t)


def test_a_network_with_the_books_interface_alone_trains_as_the_same_zerodl_network():
    x, t = toy_data()
    runs = []
    for wrap in (lambda net: net, BookInterfaceOnly):
        trainer = Trainer(wrap(MultiLayerNet(12, [16], 4, seed=3)), x[:200], t[:200], x[200:],
                          t[200:], epochs=3, mini_batch_size=32, optimizer="adam",
                          optimizer_param={"lr": 0.01}, verbose=False, seed=11)
        runs.append(trainer.train())
    assert runs[0]["train_loss"] == runs[1]["train_loss"]
    assert runs[0]["test_acc"] == runs[1]["test_acc"]
    assert runs[0]["train_loss"][-1] < runs[0]["train_loss"][0] / 2


def test_a_network_without_the_books_interface_or_a_config_is_refused_at_once(tmp_path):
    x, t = toy_data()
    with pytest.raises(TypeError, match="has no gradient, accuracy"):
        Trainer(object.__new__(type("Bare", (), {"params": {}, "loss": None})), x, t, x, t)
    with pytest.raises(TypeError, match=r"checkpoints \(out_dir\) need a zerodl network"):
        Trainer(BookInterfaceOnly(TwoLayerNet(12, 8, 4)), x, t, x, t, out_dir=tmp_path)


def test_a_progress_sees_every_step_epoch_and_the_end():
    from zerodl.trainer import Progress

    class Record(Progress):
        def __init__(self):
            self.seen = []

        def start(self, trainer):
            self.seen.append("start")

        def step(self, trainer):
            self.seen.append(trainer.step)

        def epoch(self, trainer):
            self.seen.append(f"epoch {trainer.epoch}")

        def close(self):
            self.seen.append("close")

        def finish(self, trainer):
            self.seen.append(f"test {trainer.final_test_acc:.2f}")

    x, t = toy_data()
    record = Record()
    trainer = Trainer(TwoLayerNet(12, 8, 4, seed=0), x[:100], t[:100], x, t, epochs=2,
                      mini_batch_size=50, progress=record)
    trainer.train()
    assert record.seen == ["start", 1, 2, "epoch 1", 1, 2, "epoch 2", "close",
                           f"test {trainer.final_test_acc:.2f}"]
