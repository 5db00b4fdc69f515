import json
import struct

import numpy as np
import pytest
from safetensors.numpy import save_file

from zerodl.errors import ModelFileError
from zerodl.io import read_tensors
from zerodl.nets import MultiLayerNet, ThreeLayerNet, TwoLayerNet, load_model


def test_round_trip_rebuilds_architecture_and_weights(tmp_path):
    net = MultiLayerNet(20, [7, 5], 3, activation="tanh", weight_decay_lambda=0.01, seed=3)
    net.save(tmp_path / "m.safetensors", dataset="fashion-mnist")
    loaded = load_model(tmp_path / "m.safetensors")
    assert type(loaded) is MultiLayerNet and loaded.config() == net.config()
    assert loaded.meta == {"dataset": "fashion-mnist"}
    x = np.random.default_rng(0).random((4, 20)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))


def test_three_layer_net_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    sizes = (6, 5, 4, 3)
    params = {}
    for i in (1, 2, 3):
        params[f"W{i}"] = rng.standard_normal((sizes[i - 1], sizes[i])).astype(np.float32)
        params[f"b{i}"] = rng.standard_normal(sizes[i]).astype(np.float32)
    net = ThreeLayerNet(params)
    net_path = tmp_path / "three.safetensors"
    from zerodl.io import save_model
    save_model(net, net_path)
    x = rng.random((2, 6)).astype(np.float32)
    np.testing.assert_array_equal(load_model(net_path).predict(x), net.predict(x))


def test_network_load_classmethod(tmp_path):
    from zerodl.nets import Network

    TwoLayerNet(4, 3, 2, seed=1).save(tmp_path / "m.safetensors")
    assert isinstance(TwoLayerNet.load(tmp_path / "m.safetensors"), TwoLayerNet)
    assert isinstance(Network.load(tmp_path / "m.safetensors"), TwoLayerNet)
    with pytest.raises(ModelFileError, match="holds a TwoLayerNet, not a MultiLayerNet"):
        MultiLayerNet.load(tmp_path / "m.safetensors")


def test_book_names_save_params_and_load_params(tmp_path):
    a, b = TwoLayerNet(4, 3, 2, seed=1), TwoLayerNet(4, 3, 2, seed=2)
    a.save_params(tmp_path / "p.safetensors")
    b.load_params(tmp_path / "p.safetensors")
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    assert b.layers["Affine1"].W is b.params["W1"], "layers and params must still share arrays"


def tamper(tmp_path, change):
    net = TwoLayerNet(4, 3, 2, seed=1)
    net.save(tmp_path / "ok.safetensors")
    tensors, meta = read_tensors(tmp_path / "ok.safetensors")
    change(tensors, meta)
    save_file(tensors, str(tmp_path / "bad.safetensors"), metadata=meta)
    return tmp_path / "bad.safetensors"


@pytest.mark.parametrize(("change", "message"), [
    (lambda t, m: t.pop("W2"), "missing tensor.*W2"),
    (lambda t, m: t.update(W9=np.zeros(2, np.float32)), "unexpected tensor.*W9"),
    (lambda t, m: t.update(W1=np.zeros((5, 3), np.float32)), r"W1 has shape \(5, 3\).*\(4, 3\)"),
    (lambda t, m: t.update(b1=np.full(3, np.nan, np.float32)), "b1 holds NaN"),
    (lambda t, m: m.update(config="{not json"), "not valid JSON"),
    (lambda t, m: m.update(model="resnet"), "unknown model 'resnet'"),
    (lambda t, m: m.pop("format"), "not a zerodl model file"),
    (lambda t, m: m.update(config='{"input_size": 4}'), "config does not describe"),
])
def test_bad_model_files_get_clear_errors(tmp_path, change, message):
    with pytest.raises(ModelFileError, match=message):
        load_model(tamper(tmp_path, change))


def test_not_a_model_file(tmp_path):
    (tmp_path / "x.safetensors").write_bytes(b"this is not a model")
    with pytest.raises(ModelFileError, match="not a zerodl model file"):
        load_model(tmp_path / "x.safetensors")
    with pytest.raises(ModelFileError, match="no such file"):
        load_model(tmp_path / "missing.safetensors")


# -- the metadata schema and the header budget ----------------------------------------------------
@pytest.mark.parametrize(("change", "message"), [
    (lambda t, m: m.update(classes='["a", "b", "c"]'),
     r"metadata 'classes' is a list of 3, and must be a list of 2 names"),
    (lambda t, m: m.update(classes='["a", 7]'), r"'classes' is a list of 2, and must be printable names"),
    (lambda t, m: m.update(classes='"ab"'), r"'classes' is 'ab', and must be a list of 2 names"),
    (lambda t, m: m.update(framing='"bogus"'), r"'framing' is 'bogus', and must be 'digit' or 'fit'"),
    (lambda t, m: m.update(dataset='["mnist"]'), r"'dataset' is a list of 1, and must be a printable"),
    (lambda t, m: m.update(dataset=json.dumps("x" * 5000)), r"'dataset' is 'xxx.*\(5000 characters\)"),
    (lambda t, m: m.update(config="[" * 50_000 + "]" * 50_000), r"metadata 'config' is nested too deeply"),
    (lambda t, m: m.update(notes="{\"a\":" * 50_000 + "1" + "}" * 50_000), r"'notes' is nested too deeply"),
    (lambda t, m: m.update(config="1" * 5000), r"'config' is not valid JSON \(Exceeds the limit"),
    (lambda t, m: m.update(format_version="2"), r"format version '2'; this zerodl reads version 1"),
    (lambda t, m: m.update(format="zerodl-model\nx"),
     r"not a zerodl model file \(format 'zerodl-model\\nx'\)"),
    (lambda t, m: m.update(model="x" * 10_000), r"unknown model 'x{60}'\.\.\. \(10000 characters\)"),
])
def test_metadata_is_checked_against_its_schema(tmp_path, change, message):
    with pytest.raises(ModelFileError, match=message) as error:
        load_model(tamper(tmp_path, change))
    assert "\n" not in str(error.value) and len(str(error.value)) < 400


def test_metadata_that_fits_the_schema_is_kept(tmp_path):
    classes = ["left", "right"]
    TwoLayerNet(4, 3, 2, seed=1).save(tmp_path / "m.safetensors", dataset="/some/folder",
                                      classes=classes, framing="fit", notes={"by": "me"})
    meta = load_model(tmp_path / "m.safetensors").meta
    assert meta == {"dataset": "/some/folder", "classes": classes, "framing": "fit", "notes": {"by": "me"}}


def test_many_unexpected_tensors_are_counted_not_listed(tmp_path):
    path = tamper(tmp_path, lambda t, m: t.update({f"x{i:03}": np.zeros(1, np.float32) for i in range(300)}))
    with pytest.raises(ModelFileError, match=r"unexpected tensor\(s\) x000, x001, x002, x003, x004 and"
                                             r" 295 more for two-layer$"):
        load_model(path)


@pytest.mark.parametrize(("header", "message"), [
    (struct.pack("<Q", 2**64 - 1), r"a header of 18446744073709551615 bytes declared in a file of 8"),
    (struct.pack("<Q", 2 << 20) + b" " * (2 << 20), r"a header of 2097152 bytes, more than a model"),
    (b"\x01\x02", r"a header of 513 bytes declared in a file of 2"),
])
def test_header_size_is_checked_before_it_is_read(tmp_path, header, message):
    (tmp_path / "m.safetensors").write_bytes(header)
    with pytest.raises(ModelFileError, match=message):
        read_tensors(tmp_path / "m.safetensors")


def test_tensors_are_checked_against_the_memory_left(tmp_path, monkeypatch):
    import zerodl.budget

    TwoLayerNet(4, 3, 2, seed=1).save(tmp_path / "m.safetensors")
    monkeypatch.setattr(zerodl.budget, "available_memory", lambda: 10)
    with pytest.raises(ModelFileError, match=r"m\.safetensors: its tensors: needs 92 bytes, and only"
                                             r" 10 bytes of memory are available"):
        load_model(tmp_path / "m.safetensors")


def test_saving_over_a_private_model_keeps_it_private(tmp_path):
    import os

    path = tmp_path / "m.safetensors"
    TwoLayerNet(4, 3, 2, seed=1).save(path)
    os.chmod(path, 0o600)
    TwoLayerNet(4, 3, 2, seed=2).save(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
