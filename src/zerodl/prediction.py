"""What a model sees in a picture: the shared core of `zerodl predict` and `zerodl serve`.

A picture is prepared as the dataset's images were made (zerodl.datasets.picture), the model
scores it, and the result says the classes in order of probability, and whether to doubt it: a
picture with no digit in it, or a model that spreads its belief over several classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zerodl.backend import to_numpy
from zerodl.datasets.picture import prepare
from zerodl.functions import softmax

# Below this, the model is not choosing a class: it is spreading its belief over several.
MIN_CONFIDENCE = 0.5


@dataclass
class Prediction:
    image: np.ndarray  # (28, 28) in [0, 1]: what the model saw
    probabilities: np.ndarray  # (classes,)
    warning: str | None

    def top(self, classes: list[str], k: int = 3) -> list[dict]:
        """The k likeliest classes: [{"class": index, "label": name, "p": probability}, ...]."""
        order = np.argsort(self.probabilities)[::-1][:k]
        return [{"class": int(i), "label": classes[i], "p": round(float(self.probabilities[i]), 4)}
                for i in order]


def class_names(model) -> list[str]:
    """The names that the model file gives its classes, else their numbers."""
    return getattr(model, "meta", {}).get("classes") or [str(i) for i in range(model.output_size)]


def model_input(model, images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) or (N, 784) images in the shape the model's first layer takes."""
    shape = getattr(model, "input_shape", None)
    return images.reshape(images.shape[0], *shape) if shape else images.reshape(images.shape[0], -1)


def probabilities(model, images: np.ndarray) -> np.ndarray:
    """(N, classes) probabilities; the book's three-layer network already ends in softmax."""
    dtype = next(iter(model.params.values())).dtype
    scores = to_numpy(model.predict(model_input(model, images.astype(dtype))))
    return scores if model.model_name == "three-layer" else softmax(scores)


def predict_picture(model, pixels: np.ndarray, framing: str = "digit") -> Prediction:
    """Prepare a picture's pixels ((H, W) gray, RGB or RGBA uint8) and score it."""
    prepared = prepare(pixels, framing)
    p = probabilities(model, prepared.image[None]).astype(np.float64)[0]
    warning = prepared.warning
    if warning is None and p.max() < MIN_CONFIDENCE:
        warning = (f"unsure: the likeliest class has a probability of only {p.max():.2f}"
                   " (is it a digit, and alone in the picture?)")
    return Prediction(prepared.image, p, warning)
