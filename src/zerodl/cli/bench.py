"""`zerodl bench`: images per second and peak memory of training and inference, beside PyTorch."""

from __future__ import annotations

import logging

from zerodl.bench import MODELS, format_table, run_benchmark, torch_available, write_json
from zerodl.cli.common import UsageError, add_device_option, count, device, out_file

log = logging.getLogger("zerodl")


def add_parser(sub, parents) -> None:
    p = sub.add_parser("bench", parents=parents,
                       help="training and inference speed, beside PyTorch if installed")
    p.add_argument("--models", default="mlp,simple-conv,deep-conv")
    p.add_argument("--repeats", type=count(1), default=7)
    p.add_argument("--json", type=out_file, help="also write the results to this JSON file")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    add_device_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        raise UsageError(f"--models: unknown model(s) {', '.join(unknown) or '(none given)'}: use"
                         f" {', '.join(MODELS)}")
    if not args.no_torch and not torch_available():
        log.info("PyTorch is not installed: measuring zerodl alone (pip install 'zerodl[bench]')")
    results = run_benchmark(models, repeats=args.repeats, with_torch=not args.no_torch,
                            memory=not args.no_memory, device=device(args))
    print(format_table(results))
    if args.json is not None:
        write_json(results, args.json)
        print(f"results written to {args.json}")
    return 0
