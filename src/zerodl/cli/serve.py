"""`zerodl serve`: the page to draw digits for a model and to watch networks learn, on a local
web server (zerodl.serve)."""

from __future__ import annotations

import webbrowser

from zerodl.cli.common import UsageError, add_data_options, count, in_file
from zerodl.cli.train import DEFAULT_LR
from zerodl.datasets import find_dataset
from zerodl.nets import load_model
from zerodl.serve import App, Server, latest_model
from zerodl.serve.app import DEFAULT_RUNS, NO_MODEL

EXAMPLES = """examples:
  zerodl serve --open
  zerodl serve --model runs/mnist/model.safetensors --port 8080
  zerodl serve --model fashion.safetensors --dataset fashion-mnist"""


def add_parser(sub, parents) -> None:
    p = sub.add_parser("serve", parents=parents, epilog=EXAMPLES,
                       help="a page to draw a digit for a model, and to watch a network learn",
                       description="Serve a page (on this machine only, by default) where a"
                       " model reads what you draw,\nshowing every layer, and where networks"
                       " train while you watch.")
    p.add_argument("--model", type=in_file, metavar="FILE",
                   help="the model to serve (default: the newest runs/*/model.safetensors)")
    p.add_argument("--dataset", metavar="NAME|PATH",
                   help="where the test digits and the training data come from: mnist,"
                   " fashion-mnist, an alias or a folder (default: the model's dataset, else mnist)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on; any other than this machine's lets others train")
    p.add_argument("--port", type=count(0, 65535), default=8000, help="port (0: any free one)")
    p.add_argument("--open", action="store_true", help="open the page in a web browser")
    add_data_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    path = args.model or latest_model(DEFAULT_RUNS)
    model = load_model(path) if path else None
    if args.dataset:  # found (or fetched) now, so that a wrong name is said at once
        find_dataset(args.dataset, args.data_dir, download=not args.offline, progress=True)
    app = App(model, source=str(path or ""), dataset=args.dataset, data_dir=args.data_dir,
              download=not args.offline, runs_dir=DEFAULT_RUNS, suggested_lr=DEFAULT_LR)
    try:
        server = Server(app, args.host, args.port)
    except OSError as e:
        raise UsageError(f"cannot listen on {args.host} port {args.port}:"
                         f" {e.strerror or e}") from None
    print(f"model: {path} ({model.model_name})" if model else NO_MODEL)
    if server.allowed_hosts is None:
        print(f"warning: listening on {args.host}: whoever reaches it can use the page and train")
    print(f"serving {server.url} (Ctrl-C stops)", flush=True)
    if args.open:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()
    return 0

