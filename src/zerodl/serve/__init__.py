"""`zerodl serve`: a page to draw a digit and watch the network think, and to watch it learn.

- zerodl.serve.app: what the server answers (the served model, predictions with every layer's
  activations, test digits and mistakes, training runs, saving), with no HTTP in it;
- zerodl.serve.training: a training run in a thread, reporting its progress as events;
- zerodl.serve.views: what the page shows of a network (layers, activations, weights);
- zerodl.serve.server: the HTTP server (the standard library's), its checks and limits;
- static/: the page itself, plain HTML, CSS and JavaScript, every file served from here.
"""

from zerodl.serve.app import App, latest_model
from zerodl.serve.server import Server

__all__ = ["App", "Server", "latest_model"]
