"""The book's runnable scripts (zerodl.book.catalog), each run by the book's own code and by
`zerodl book run`, on the same data, each from a fresh copy of the book's repository.

The book's side runs `python SCRIPT.py` in the script's folder, in a copy whose dataset/ folder
holds the dataset's four .gz files: the book's dataset/mnist.py then finds them where it would
have downloaded them and converts them itself (its download host no longer serves them). A small
wrapper makes its plt.show() save the figures, for comparison with zerodl's. zerodl's side runs
`python -m zerodl book run SCRIPT.py --dataset DATA --figures DIR`.

Both sides run with the same number of threads (--threads, default 1: BLAS, zerodl's own), at
the same niceness, and the time reported is the CPU time of the process (user + system): on a
machine that other work shares, wall time says more about the neighbours than about the code.
Wall time is recorded beside it.

    python benchmarks/book_scripts.py --book ../shared/book/deep-learning-from-scratch \\
        --dataset ../shared/data/mnist-10k [--side book|zerodl|both] [--only SCRIPT ...]
    python benchmarks/book_scripts.py --table     # the results as a markdown table

Results are merged into --json (default benchmarks/book-scripts.json), so the two sides, or a
few scripts, can be run at different times; each run's output goes to --work/logs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zerodl.book.catalog import SCRIPTS

HERE = Path(__file__).resolve().parent
FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz")

# Runs a book script as `python SCRIPT.py` would (its folder first on sys.path, __main__),
# with plt.show() saving the open figures as STEM-N.png and closing them.
BOOK_WRAPPER = """
import os, runpy, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
folder, script = sys.argv[1], os.path.abspath(sys.argv[2])
stem, saved = os.path.splitext(os.path.basename(script))[0], []
def show(*args, **kwargs):
    for number in plt.get_fignums():
        saved.append(os.path.join(folder, f"{stem}-{len(saved) + 1}.png"))
        plt.figure(number).savefig(saved[-1])
    plt.close("all")
plt.show = show
sys.argv = sys.argv[2:]
sys.path.insert(0, os.path.dirname(script))
runpy.run_path(script, run_name="__main__")
"""

# The lines of a script's output that state its result: a pattern of lines to keep (the last
# `count` of them), for the scripts whose last line alone does not say it.
RESULT_LINES = {
    "ch02/": (r".", 4),
    "ch03/mnist_show.py": (r".", 3),
    "ch04/gradient_simplenet.py": (r".", 2),
    "ch05/buy_apple": (r".", 6),
    "ch05/gradient_check.py": (r":", 4),
    "ch06/batch_norm_gradient_check.py": (r":", 10),
    "ch07/gradient_check.py": (r" ", 6),
    "ch06/batch_norm_test.py": (r"^epoch:19 ", 16),
    "ch06/hyperparameter_optimization.py": (r"^Best-[1-3]\(", 3),
    "ch06/optimizer_compare_mnist.py": (r"^(SGD|Momentum|AdaGrad|Adam):", 4),
    "ch06/weight_init_compare.py": (r"^(std=0.01|Xavier|He):", 3),
    "ch06/overfit_dropout.py": (r"^(=== epoch|test acc)", 2),
    "ch07/train_convnet.py": (r"^(=== epoch|test acc)", 2),
    "ch08/train_deepnet.py": (r"^(=== epoch|test acc)", 2),
    "ch08/half_float_network.py": (r"^[0-9.]+$", 2),
    "ch08/misclassified_mnist.py": (r"^test accuracy", 1),
}


def result_lines(script: str, stdout: str) -> list[str]:
    lines = [line for line in stdout.splitlines() if line.strip()]
    for prefix, (pattern, count) in RESULT_LINES.items():
        if script.startswith(prefix):
            return [line for line in lines if re.search(pattern, line)][-count:]
    return lines[-1:]


def run_measured(command: list[str], cwd: Path, env: dict, log: Path, niceness: int) -> dict:
    """Run `command`; its exit code, CPU seconds (user + system) and wall seconds."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log.with_suffix(".out"), "w") as out, open(log.with_suffix(".err"), "w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err,
                                preexec_fn=lambda: os.nice(niceness))
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"exit": proc.returncode, "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "wall_s": round(wall, 2)}


def book_template(book: Path, dataset: Path, work: Path, env: dict) -> Path:
    """A copy of the book's repository with the dataset where its loader looks, converted."""
    template = work / "book-template"
    if not (template / "dataset" / "mnist.pkl").is_file():
        shutil.rmtree(template, ignore_errors=True)
        shutil.copytree(book, template)
        for name in FILES:
            shutil.copy(dataset / name, template / "dataset" / name)
        subprocess.run([sys.executable, "-c", "import mnist; mnist.init_mnist()"],
                       cwd=template / "dataset", env=env, check=True, capture_output=True)
    return template


def run_one(side: str, script: str, source: Path, args, env: dict) -> dict:
    figures = args.work / "figures" / side / Path(script).parent
    figures.mkdir(parents=True, exist_ok=True)
    for stale in figures.glob(f"{Path(script).stem}-*.png"):  # an earlier run's
        stale.unlink()
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        repo = Path(tmp) / "repo"
        shutil.copytree(source, repo)
        path = repo / script
        if side == "book":
            command = [sys.executable, "-c", BOOK_WRAPPER, str(figures), str(path)]
        else:
            command = [sys.executable, "-m", "zerodl", "book", "run", str(path), "--dataset",
                       str(args.dataset), "--figures", str(figures)]
        log = args.work / "logs" / side / script
        result = run_measured(command, path.parent, env, log, args.nice)
    stdout = log.with_suffix(".out").read_text(errors="replace")
    result["result"] = result_lines(script, stdout)
    result["figures"] = sorted(p.name for p in figures.glob(f"{Path(script).stem}-*.png"))
    return result


def environment(threads: int) -> dict:
    env = dict(os.environ, MPLBACKEND="Agg", ZERODL_NUM_THREADS=str(threads))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    return env


def record(path: Path, side: str, script: str, result: dict, args) -> None:
    """Merge one script's result into the JSON file, read afresh: another run of this
    benchmark (the other side, a long script on its own) may have written it meanwhile."""
    results = json.loads(path.read_text()) if path.is_file() else {}
    results.update(machine=platform.platform(), python=platform.python_version(),
                   cores=os.cpu_count(), threads=args.threads, dataset=str(args.dataset))
    results.setdefault(side, {})[script] = result
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(results, indent=1) + "\n")
    temporary.replace(path)


def run(args) -> None:
    env = environment(args.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    sides = ("book", "zerodl") if args.side == "both" else (args.side,)
    for side in sides:
        source = book_template(args.book, args.dataset, args.work, env) if side == "book" \
            else args.book
        for script in args.only or SCRIPTS:
            print(f"{side:6} {script} ...", end=" ", flush=True)
            result = run_one(side, script, source, args, env)
            print(f"exit {result['exit']}, {result['cpu_s']} s CPU, {result['wall_s']} s wall:"
                  f" {' | '.join(result['result'])[:100]}", flush=True)
            record(args.json, side, script, result, args)


def table(args) -> None:
    """The two tables of docs/book-scripts.md, in markdown: per script its exit codes, CPU
    seconds and figures on both sides, then what each side printed ("the same" where they agree)."""
    results = json.loads(args.json.read_text())
    runs = [(script, results.get("book", {}).get(script), results.get("zerodl", {}).get(script))
            for script in SCRIPTS]
    print("| script | what it shows | book's code | zerodl | book ÷ zerodl | figures |")
    print("| --- | --- | --- | --- | --- | --- |")
    for script, book, ours in runs:
        cells = [f"exit {r['exit']}, {r['cpu_s']:.1f} s" if r else "not run" for r in (book, ours)]
        ratio = f"{book['cpu_s'] / ours['cpu_s']:.1f}" if book and ours and ours["cpu_s"] else ""
        figures = " / ".join(str(len(r["figures"])) if r else "?" for r in (book, ours))
        print(f"| `{script}` | {SCRIPTS[script]} | {cells[0]} | {cells[1]} | {ratio} | {figures} |")
    print()
    print("| script | the book's code prints | zerodl prints |")
    print("| --- | --- | --- |")
    for script, book, ours in runs:
        printed = [markdown_lines(r["result"]) if r else "not run" for r in (book, ours)]
        same = printed[0] == printed[1] and book is not None
        print(f"| `{script}` | {printed[0]} | {'the same' if same else printed[1]} |")


def markdown_lines(lines: list[str]) -> str:
    """Printed lines as one table cell: code spans, one per line, `|` escaped."""
    if not lines:
        return "(nothing)"
    return "<br>".join(f"`{line.strip()}`".replace("|", "\\|") for line in lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--book", type=Path, default=Path("../shared/book/deep-learning-from-scratch"))
    p.add_argument("--dataset", type=Path, default=Path("../shared/data/mnist-10k"))
    p.add_argument("--side", choices=["book", "zerodl", "both"], default="both")
    p.add_argument("--only", nargs="+", metavar="SCRIPT", choices=list(SCRIPTS))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--nice", type=int, default=10)
    p.add_argument("--json", type=Path, default=HERE / "book-scripts.json")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "zerodl-book-scripts")
    p.add_argument("--table", action="store_true", help="print the results as a markdown table")
    args = p.parse_args()
    args.book, args.dataset, args.work = (args.book.resolve(), args.dataset.resolve(),
                                          args.work.resolve())
    table(args) if args.table else run(args)


if __name__ == "__main__":
    main()
