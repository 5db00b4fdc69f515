"""`zerodl predict` on pictures as people have them, and on pictures with no digit at all."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from pictures import drawing, off_centre, photograph
from zerodl.book_weights import import_book_model
from zerodl.datasets import load_mnist
from zerodl.datasets.images import read_pixels
from zerodl.io import save_model
from zerodl.prediction import predict_picture

COUNT = 200


@pytest.fixture(scope="module")
def book(data_dir):
    return import_book_model(data_dir.parent / "book" / "sample_weight.pkl", "three-layer")


@pytest.fixture(scope="module")
def digits(mnist10k):
    _, (x, t) = load_mnist(normalize=False, flatten=False, dataset=str(mnist10k))
    return x[:COUNT, 0], t[:COUNT]


def accuracy(model, pictures, labels) -> float:
    predicted = [predict_picture(model, read_pixels(p)).probabilities.argmax() for p in pictures]
    return float(np.mean(np.array(predicted) == labels))


@pytest.mark.parametrize("kind", ["photograph", "drawing", "off_centre"])
def test_real_pictures_are_read_about_as_well_as_the_datasets_own(book, digits, kind):
    x, t = digits
    as_mnist = float(np.mean(book.predict_classes(x.reshape(COUNT, -1) / 255.0) == t))
    rng = np.random.default_rng(0)
    make = {"photograph": lambda d: photograph(d, rng), "drawing": drawing,
            "off_centre": lambda d: off_centre(d, rng)}[kind]
    as_pictures = accuracy(book, [make(d) for d in x], t)
    assert as_pictures >= as_mnist - 0.05, f"{kind}: {as_pictures:.3f} against {as_mnist:.3f}"


def test_json_flags_what_is_no_digit_and_a_bad_file_stops_nothing(book, digits, tmp_path,
                                                                   data_dir):
    model = tmp_path / "book.safetensors"
    save_model(book, model)
    x, t = digits
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "a-seven.png").write_bytes(drawing(x[0]))
    Image.new("L", (400, 300), 255).save(tmp_path / "pics" / "b-blank.png")
    noise = np.random.default_rng(0).integers(0, 256, (300, 400)).astype(np.uint8)
    Image.fromarray(noise).save(tmp_path / "pics" / "c-noise.png")
    (tmp_path / "pics" / "d-broken.png").write_bytes(drawing(x[1])[:200])  # truncated
    result = subprocess.run([sys.executable, "-m", "zerodl", "predict", str(model),
                             str(tmp_path / "pics"), "--json", "--show", str(tmp_path / "seen")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"].rsplit("/", 1)[1] for r in rows] == [
        "a-seven.png", "b-blank.png", "c-noise.png", "d-broken.png"]
    seven, blank, noisy, broken = rows
    assert seven["top"][0] == {"class": int(t[0]), "label": str(t[0]), "p": seven["top"][0]["p"]}
    assert seven["warning"] is None and len(seven["top"]) == 3
    assert sum(p["p"] for p in seven["top"]) <= 1.0001
    assert "blank" in blank["warning"] and "noise" in noisy["warning"]
    assert broken["top"] is None and "d-broken.png: not a readable image" in broken["error"]
    assert result.stderr.strip().splitlines() == [f"zerodl: {broken['error']}"]
    seen = Image.open(tmp_path / "seen" / "a-seven.png")
    assert seen.size == (28, 28) and np.asarray(seen).max() == 255
