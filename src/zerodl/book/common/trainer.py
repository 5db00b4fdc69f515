"""common.trainer: the book's Trainer, run by zerodl's, printing the book's lines."""

import numpy as np

from zerodl import trainer
from zerodl.book.settings import numpy_seed

__all__ = ["Trainer", "np"]


class BookLines(trainer.Progress):
    """The lines the book's Trainer prints: the loss of every step, the accuracies after every
    epoch and the final test accuracy. Printing is this class's whole job: a script that uses
    the book's Trainer, and a reader who follows it, read the training's progress from them."""

    def step(self, trainer: trainer.Trainer) -> None:
        print(f"train loss:{trainer.train_loss_list[-1]}")

    def epoch(self, trainer: trainer.Trainer) -> None:
        print(f"=== epoch:{trainer.epoch}, train acc:{trainer.train_acc_list[-1]},"
              f" test acc:{trainer.test_acc_list[-1]} ===")

    def finish(self, trainer: trainer.Trainer) -> None:
        print("=============== Final Test Accuracy ===============")
        print(f"test acc:{trainer.final_test_acc}")


class Trainer(trainer.Trainer):
    """The book's Trainer(network, x_train, t_train, x_test, t_test, epochs, mini_batch_size,
    optimizer, optimizer_param, evaluate_sample_num_per_epoch, verbose).

    zerodl's Trainer runs it: any network with the book's interface, each epoch one permutation
    of the training data (the book draws every batch at random, with replacement), its order
    drawn from a generator that NumPy's global one seeds. With verbose it prints the book's
    lines (BookLines), and nothing without.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **{"seed": numpy_seed(), **kwargs})
        self.progress = BookLines() if self.verbose else trainer.Progress()
