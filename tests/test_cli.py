import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from zerodl.cli import main
from zerodl.datasets import load_mnist


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zerodl", *args], capture_output=True, text=True)


def test_version_and_help():
    assert run_cli("--version").stdout.startswith("zerodl ")
    out = run_cli("--help").stdout
    for command in ("gates", "data", "train", "eval", "predict", "gradcheck"):
        assert command in out
    assert "--batch-size" in run_cli("train", "--help").stdout


def test_gates_prints_four_correct_tables(capsys):
    assert main(["gates"]) == 0
    out = capsys.readouterr().out
    assert "AND: w1 = 0.5, w2 = 0.5, b = -0.7" in out
    assert "  1  1 |               0.3 | 1" in out
    assert "NAND: w1 = -0.5, w2 = -0.5, b = 0.7" in out
    xor_rows = out.split("XOR")[1].strip().splitlines()[2:]
    assert [row.rsplit("|", 1)[1].strip() for row in xor_rows] == ["0", "1", "1", "0"]


@pytest.mark.parametrize("args", [
    ["train", "--dataset", "no-such-dataset"],
    ["train", "--epochs", "x"],
    ["eval", "missing.safetensors", "--dataset", "mnist"],
    ["data", "download", "cifar"],
    ["train", "--resume"],
])
def test_user_mistakes_exit_2_with_one_line(args):
    result = run_cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("zerodl")


def test_data_reports_both_datasets(data_dir, capsys, monkeypatch):
    monkeypatch.setenv("ZERODL_DATA_DIR", str(data_dir))
    assert main(["data", "fashion-mnist", str(data_dir / "mnist-10k")]) == 0
    out = capsys.readouterr().out
    assert "fashion-mnist:" in out and "ZERODL_DATA_DIR, checksums verified" in out
    assert "train  60000 images of 28x28; per class: 6000 6000" in out
    assert "train  10000 images" in out and "test   10000 images" in out


@pytest.mark.parametrize("model", ["two-layer", "mlp", "mlp-extend", "simple-conv", "deep-conv"])
def test_gradcheck_command(capsys, model):
    assert main(["gradcheck", "--model", model]) == 0
    out = capsys.readouterr().out
    assert "W1" in out and "OK" in out


def test_train_eval_predict_agree(mnist10k, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["-q", "train", "--dataset", str(mnist10k), "--epochs", "2", "--out", str(out),
                 "--val-split", "0.1"]) == 0
    summary = capsys.readouterr().out
    assert "test accuracy" in summary and str(out / "model.safetensors") in summary
    import json

    record = json.loads((out / "run.json").read_text())
    assert record["seed"] == 0 and record["model_config"]["hidden_size"] == 50
    assert record["dataset"]["md5"]["t10k-labels-idx1-ubyte.gz"] == "03b5bca0d219d2abc19eb1db84d83fc8"
    assert record["numpy"] == np.__version__
    model = out / "model.safetensors"

    assert main(["-q", "eval", str(model)]) == 0
    report = capsys.readouterr().out
    accuracy = float(report.split()[1])
    assert accuracy > 0.8 and "confusion matrix" in report

    _, (x_test, t_test) = load_mnist(normalize=False, flatten=False, dataset=str(mnist10k))
    from zerodl.nets import load_model

    net = load_model(model)
    expected = net.predict_classes(x_test[:8].reshape(8, -1).astype(np.float32) / 255)
    for i in range(8):
        Image.fromarray(x_test[i, 0]).save(tmp_path / f"digit{i}.png")
    inverted = 255 - np.kron(x_test[0, 0], np.ones((4, 4), np.uint8))  # big, dark on light
    Image.fromarray(inverted).save(tmp_path / "big.jpg")
    assert main(["-q", "predict", str(model), str(tmp_path)]) == 0
    lines = [line for line in capsys.readouterr().out.strip().splitlines()
             if not line.startswith("  warning: ")]
    got = {line.split(":")[0].rsplit("/", 1)[1]: line.split(": ")[1].split(" ")[0] for line in lines}
    assert [got[f"digit{i}.png"] for i in range(8)] == [str(c) for c in expected]
    assert got["big.jpg"] == str(t_test[0])


def test_resume_needs_existing_run_and_refuses_overwrite(mnist10k, tmp_path):
    out = tmp_path / "run"
    args = ["-q", "train", "--dataset", str(mnist10k), "--epochs", "1", "--out", str(out)]
    assert main(args) == 0
    result = run_cli(*args)
    assert result.returncode == 2 and "already holds a run" in result.stderr
    assert main([*args[:5], "2", *args[6:], "--resume"]) == 0


def test_training_on_an_alias_records_the_folder_not_the_name(mnist10k, tmp_path, monkeypatch):
    import json

    from zerodl.nets import load_model

    monkeypatch.setenv("ZERODL_DATASET_ALIASES", f"mnist={mnist10k}")
    out = tmp_path / "run"
    assert main(["-q", "train", "--dataset", "mnist", "--epochs", "1", "--out", str(out)]) == 0
    record = json.loads((out / "run.json").read_text())
    assert record["dataset"]["name"] == str(mnist10k.resolve())
    assert record["dataset"]["source"] == "ZERODL_DATASET_ALIASES alias"
    assert load_model(out / "model.safetensors").meta["dataset"] == str(mnist10k.resolve())
