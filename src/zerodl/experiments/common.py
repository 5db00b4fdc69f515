"""What the experiments share: their data and a plain mini-batch loop."""

from __future__ import annotations

import numpy as np

from zerodl.datasets import load_mnist


def load_data(dataset: str = "mnist", data_dir=None, download: bool = True):
    """(x_train, t_train), (x_test, t_test) flattened and normalised."""
    return load_mnist(dataset=dataset, data_dir=data_dir, download=download)


def train_iterations(network, x, t, optimizer, iterations: int, batch_size: int,
                     rng: np.random.Generator) -> list[float]:
    """`iterations` optimizer steps on random mini-batches (the book's loop); returns the losses."""
    losses = []
    for _ in range(iterations):
        batch = rng.choice(x.shape[0], batch_size, replace=False)
        loss, grads = network.loss_and_gradient(x[batch], t[batch])
        optimizer.update(network.params, grads)
        losses.append(loss)
    return losses
