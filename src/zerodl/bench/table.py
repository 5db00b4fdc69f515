"""The results of `zerodl bench` as a table, and as a JSON file."""

from __future__ import annotations

import json

from zerodl.atomic import atomic_write_bytes


def _ms(value: float) -> str:
    return f"{value:.0f}" if value >= 1000 else f"{value:.3g}"


def _spread(row: dict, kind: str) -> str:
    return f"{_ms(row[f'{kind}_ms'])} ({_ms(row[f'{kind}_ms_min'])}-{_ms(row[f'{kind}_ms_max'])})"


def _ratio(model: dict, kind: str) -> str:
    if model[f"{kind}_ratio"] is None:
        return "-"
    return (f"{model[f'{kind}_ratio']:.2f} ({model[f'{kind}_ratio_min']:.2f}-"
            f"{model[f'{kind}_ratio_max']:.2f} by round) vs {model[f'best_{kind}']}")


def format_table(results: dict) -> str:
    gemm = results["gemm_gflops"]
    rates = ", ".join(f"{'NumPy' if k == 'numpy' else 'PyTorch'} {v:.1f}" for k, v in gemm.items())
    torch = results["torch"] or ("not measured (--no-torch)" if not results["torch_requested"]
                                 else "not measured")
    lines = [f"{results['device']}: batch {results['batch_size']}, {results['dtype']},"
             f" {results['threads']} thread{'s' if results['threads'] > 1 else ''};"
             f" NumPy {results['numpy']}"
             + (f" ({results['numpy_blas']})" if results.get("numpy_blas") else "")
             + f", PyTorch {torch}",
             f"float32 matrix product (1024 x 1024): {rates} GFLOP/s; 'of peak' is of the best,"
             f" {results['gemm_peak_gflops']:.1f}",
             f"{results['rounds']} interleaved rounds; in each, every contender's own process times"
             f" {results['repeats']} steps (their median); ms: median over rounds (min-max)",
             "",
             f"{'model':12} {'contender':20} {'train ms':>20} {'GFLOP/s':>7} {'of peak':>7}"
             f" {'infer ms':>20} {'GFLOP/s':>7} {'of peak':>7} {'peak MiB':>8} {'first s':>11}"]
    for name, model in results["models"].items():
        for contender in results["contenders"]:
            label = f"{name:12} {contender:20}"
            name = ""
            if contender in model["skipped"]:
                lines.append(f"{label} skipped: {model['skipped'][contender]}")
                continue
            r = model["contenders"][contender]
            peak = f"{r['peak_mib']:.0f}" if r.get("peak_mib") else "-"
            first = f"{r['first_train_s']:.1f}/{r['first_infer_s']:.1f}"
            lines.append(f"{label} {_spread(r, 'train'):>20} {r['train_gflops']:7.1f}"
                         f" {r['train_peak_fraction']:7.0%} {_spread(r, 'infer'):>20}"
                         f" {r['infer_gflops']:7.1f} {r['infer_peak_fraction']:7.0%} {peak:>8}"
                         f" {first:>11}")
        if model["train_ratio"] is not None or model["infer_ratio"] is not None:
            lines.append(f"{'':12} zerodl / best PyTorch: train {_ratio(model, 'train')};"
                         f" infer {_ratio(model, 'infer')}")
    lines += ["",
              "ratio = zerodl time / the fastest PyTorch contender's time (below 1: zerodl is"
              " faster); GFLOP/s count each convolution as the direct method's products",
              "first s: the first training step / the first inference pass (torch.compile"
              " compiles then), excluded from the times"]
    if results["memory"]:
        lines.append(f"peak MiB: {results['memory']}")
    return "\n".join(lines)


def write_json(results: dict, path) -> None:
    atomic_write_bytes(path, (json.dumps(results, indent=2) + "\n").encode())
