"""Chapter 6's experiments, each reproducible by `zerodl experiment NAME`.

Every experiment is a function run(out_dir, full=False, seed=0, **data) that writes its PNG
figures into out_dir and returns its numbers as a dict; the CLI prints them.
"""

from zerodl.experiments import (
    batchnorm,
    hyperparameter_search,
    optimizers_2d,
    optimizers_mnist,
    overfit,
    weight_init,
)

EXPERIMENTS = {
    "optimizers-2d": optimizers_2d.run,
    "optimizers-mnist": optimizers_mnist.run,
    "weight-init": weight_init.run,
    "batchnorm": batchnorm.run,
    "overfit": overfit.run,
    "hyperparameter-search": hyperparameter_search.run,
}

__all__ = ["EXPERIMENTS"]
