"""`zerodl gradcheck --model NAME`: backpropagation against numerical gradients, per parameter."""

from __future__ import annotations

import numpy as np

from zerodl.cli.common import count
from zerodl.gradient import gradient_check
from zerodl.nets import DeepConvNet, MultiLayerNet, MultiLayerNetExtend, SimpleConvNet, TwoLayerNet

F64 = {"dtype": np.float64}
# small float64 versions of each network: (builder, input shape, check options)
MODELS = {
    "two-layer": (lambda seed: TwoLayerNet(12, 6, 10, weight_init_std=0.5, seed=seed, **F64),
                  (12,), {}),
    "mlp": (lambda seed: MultiLayerNet(12, [8, 6], 10, activation="tanh", weight_init_std="xavier",
                                       weight_decay_lambda=0.1, seed=seed, **F64), (12,), {}),
    "mlp-extend": (lambda seed: MultiLayerNetExtend(12, [8, 6], 10, use_batchnorm=True, seed=seed,
                                                    **F64), (12,), {}),
    "simple-conv": (lambda seed: SimpleConvNet((1, 8, 8), {"filter_num": 3, "filter_size": 3}, 6,
                                               10, weight_init_std=0.3, seed=seed, **F64),
                    (1, 8, 8), {}),
    # max-pool kinks need a finer probe; 30 sampled elements per tensor keep it quick
    "deep-conv": (lambda seed: DeepConvNet((1, 8, 8), hidden_size=6, dropout_ratio=0.0, seed=seed,
                                           **F64), (1, 8, 8), {"h": 1e-6, "samples": 30}),
}
THRESHOLD = 1e-6


def add_parser(sub, parents) -> None:
    p = sub.add_parser("gradcheck", parents=parents, help="backprop against numerical gradients")
    p.add_argument("--model", default="two-layer", choices=list(MODELS))
    p.add_argument("--seed", type=count(0), default=0)
    p.set_defaults(func=run)


def run(args) -> int:
    build, shape, options = MODELS[args.model]
    rng = np.random.default_rng(args.seed)
    x, t = rng.standard_normal((4, *shape)), rng.integers(0, 10, 4)
    errors = gradient_check(build(args.seed), x, t, **options)
    print(f"{args.model}: backprop vs numerical gradient (float64, batch of 4)")
    print(f"  {'parameter':10} max relative error")
    for key, err in errors.items():
        print(f"  {key:10} {err:.2e}")
    worst = max(errors.values())
    print(f"worst {worst:.2e}: {'OK' if worst < THRESHOLD else 'MISMATCH'} (threshold {THRESHOLD:g})")
    return 0 if worst < THRESHOLD else 1
