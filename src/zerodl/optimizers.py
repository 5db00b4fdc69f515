"""Chapter 6's optimizers with the book's interface: update(params, grads) moves every params[key].

Arrays are changed in place, which matters: the layers hold the very arrays that `params` holds.
A value that cannot change in place (a Python number, as in the book's two-variable example
f(x, y) = x^2 / 20 + y^2) is replaced by its new value. Each optimizer has state_dict() /
load_state_dict() so that a checkpoint resumes it exactly.
"""

from __future__ import annotations

import numpy as np

from zerodl.backend import get_array_module


class Optimizer:
    """Shared state handling: hyperparameters, a step count, and per-parameter slot arrays."""

    slot_names: tuple[str, ...] = ()
    # the attributes that state_dict() records and load_state_dict() restores
    hyper_names: tuple[str, ...] = ("lr",)

    def __init__(self, lr: float = 0.01) -> None:
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.lr = lr
        self.iter = 0
        self.slots: dict[str, dict[str, np.ndarray]] = {name: {} for name in self.slot_names}

    def _slot(self, name: str, key: str, like: np.ndarray) -> np.ndarray:
        """The state array `name` of parameter `key`, on the parameter's device."""
        slot = self.slots[name]
        xp = get_array_module(like)
        if key not in slot:
            slot[key] = xp.zeros_like(like)
        elif get_array_module(slot[key]) is not xp:  # state loaded from a checkpoint file
            slot[key] = xp.asarray(slot[key])
        return slot[key]

    def update(self, params: dict, grads: dict) -> None:
        """One step for every key of params, against grads[key]."""
        self.iter += 1
        for key, value in params.items():
            if isinstance(value, np.ndarray) or get_array_module(value) is not np:
                self.step(key, value, grads[key])
            else:
                # a number is immutable: step a 0-d array, then put the number it holds back
                param = np.array(value, dtype=np.float64)
                self.step(key, param, np.asarray(grads[key], dtype=np.float64))
                params[key] = param.item()

    def step(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def hyperparameters(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.hyper_names}

    def state_dict(self) -> dict:
        """{'name', 'hyper': {...}, 'iter': int, 'slots': {slot: {param key: array}}}."""
        return {"name": type(self).__name__, "hyper": self.hyperparameters(), "iter": self.iter,
                "slots": {name: {k: v.copy() for k, v in slot.items()}
                          for name, slot in self.slots.items()}}

    def load_state_dict(self, state: dict) -> None:
        if state["name"] != type(self).__name__:
            raise ValueError(f"state of {state['name']} cannot be loaded into {type(self).__name__}")
        for name, value in state["hyper"].items():
            setattr(self, name, value)
        self.iter = int(state["iter"])
        self.slots = {name: {k: np.array(v) for k, v in state["slots"].get(name, {}).items()}
                      for name in self.slot_names}


class SGD(Optimizer):
    """W <- W - lr * dW."""

    def step(self, key, param, grad):
        param -= self.lr * grad


class Momentum(Optimizer):
    """v <- momentum * v - lr * dW; W <- W + v."""

    slot_names = ("v",)
    hyper_names = ("lr", "momentum")

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = momentum

    def step(self, key, param, grad):
        v = self._slot("v", key, param)
        v *= self.momentum
        v -= self.lr * grad
        param += v


class Nesterov(Momentum):
    """Nesterov momentum in the look-ahead form of Bengio et al. (arXiv:1212.0901):
    W <- W + momentum^2 v - (1 + momentum) lr dW, then v <- momentum v - lr dW."""

    def step(self, key, param, grad):
        v = self._slot("v", key, param)
        param += self.momentum * self.momentum * v
        param -= (1 + self.momentum) * self.lr * grad
        v *= self.momentum
        v -= self.lr * grad


class AdaGrad(Optimizer):
    """h <- h + dW^2; W <- W - lr * dW / (sqrt(h) + 1e-7)."""

    slot_names = ("h",)

    def step(self, key, param, grad):
        h = self._slot("h", key, param)
        h += grad * grad
        param -= self.lr * grad / (get_array_module(h).sqrt(h) + 1e-7)


class RMSprop(Optimizer):
    """h <- decay * h + (1 - decay) dW^2; W <- W - lr * dW / (sqrt(h) + 1e-7)."""

    slot_names = ("h",)
    hyper_names = ("lr", "decay_rate")

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99) -> None:
        super().__init__(lr)
        self.decay_rate = decay_rate

    def step(self, key, param, grad):
        h = self._slot("h", key, param)
        h *= self.decay_rate
        h += (1 - self.decay_rate) * grad * grad
        param -= self.lr * grad / (get_array_module(h).sqrt(h) + 1e-7)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction: W <- W - lr m_hat / (sqrt(v_hat) + eps)."""

    slot_names = ("m", "v")
    hyper_names = ("lr", "beta1", "beta2", "eps")

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def step(self, key, param, grad):
        m = self._slot("m", key, param)
        v = self._slot("v", key, param)
        m += (1 - self.beta1) * (grad - m)
        v += (1 - self.beta2) * (grad * grad - v)
        m_hat_scale = 1 / (1 - self.beta1**self.iter)
        v_hat_scale = 1 / (1 - self.beta2**self.iter)
        param -= self.lr * (m * m_hat_scale) / (get_array_module(v).sqrt(v * v_hat_scale) + self.eps)


OPTIMIZERS = {cls.__name__.lower(): cls for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam)}


def make_optimizer(name: str, **hyper) -> Optimizer:
    """An optimizer by (case-insensitive) name, e.g. make_optimizer('adam', lr=1e-3)."""
    try:
        cls = OPTIMIZERS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown optimizer '{name}': use one of {', '.join(OPTIMIZERS)}") from None
    return cls(**hyper)
