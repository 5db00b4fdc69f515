"""`zerodl train` does what its options say: lr 0 keeps the weights, a resume continues only the
run it started, and the output tells what was trained."""

import numpy as np
import pytest

from zerodl.cli import main, make_parser
from zerodl.errors import ModelFileError
from zerodl.nets import TwoLayerNet, load_model


def test_lr_zero_is_refused_and_a_given_lr_is_the_one_used(mnist10k, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", "--dataset", str(mnist10k), "--lr", "0"])
    assert e.value.code == 2 and "argument --lr: must be > 0, got 0" in capsys.readouterr().err
    out = tmp_path / "run"
    # a tiny rate moves the weights by a tiny amount: a default applied with `or` would not
    assert main(["train", "--dataset", str(mnist10k), "--epochs", "1", "--lr", "1e-12",
                 "--out", str(out)]) == 0
    trained = load_model(out / "model.safetensors")
    initial = TwoLayerNet(784, 50, 10, seed=0)
    for key, value in initial.params.items():
        np.testing.assert_allclose(trained.params[key], value, atol=1e-9)
    printed = capsys.readouterr().out
    assert "1 epoch," in printed and "1 epochs" not in printed


def test_train_says_what_it_trains(mnist10k, tmp_path, capsys):
    assert main(["train", "--model", "simple-conv", "--dataset", str(mnist10k), "--epochs", "1",
                 "--out", str(tmp_path / "run"), "--batch-size", "500"]) == 0
    printed = capsys.readouterr().out
    assert f"data: {mnist10k}, 10000 training and 10000 test images" in printed
    assert "SimpleConvNet (simple-conv): 433,890 parameters" in printed
    assert "Conv1    Convolution         (30, 24, 24)           780" in printed
    assert "Affine1  Affine              (100,)             432,100" in printed
    assert (tmp_path / "run" / "curves.png").stat().st_size > 10_000


def test_resume_refuses_another_dataset_and_other_settings(mnist10k, data_dir, tmp_path, capsys):
    out = tmp_path / "run"
    common = ["-q", "train", "--epochs", "1", "--out", str(out)]
    assert main([*common, "--dataset", str(mnist10k)]) == 0
    fashion = data_dir / "fashion-mnist"
    assert main([*common, "--dataset", str(fashion), "--resume", "--epochs", "2"]) == 2
    err = capsys.readouterr().err
    assert (f"started with dataset \"{mnist10k.resolve()}\", and would go on with"
            f" \"{fashion.resolve()}\"") in err
    assert main([*common, "--dataset", str(mnist10k), "--resume", "--epochs", "2",
                 "--lr", "0.5"]) == 2
    assert "optimizer settings {\"lr\": 0.1}, and would go on with {\"lr\": 0.5}" in capsys.readouterr().err
    assert main([*common, "--dataset", str(mnist10k), "--resume", "--epochs", "2"]) == 0


def test_nothing_is_written_where_a_user_keeps_files_by_default():
    parser = make_parser()
    assert parser.parse_args(["bench"]).json is None
    assert str(parser.parse_args(["figures"]).out) == "runs/figures"
    assert parser.parse_args(["experiment", "overfit"]).out is None  # runs/experiment-overfit


def test_a_pickle_name_for_a_safetensors_file_is_refused(tmp_path):
    net = TwoLayerNet(4, 3, 2, seed=0)
    with pytest.raises(ModelFileError, match=r"name it .*params\.safetensors"):
        net.save_params(tmp_path / "params.pkl")
    assert not (tmp_path / "params.pkl").exists()
