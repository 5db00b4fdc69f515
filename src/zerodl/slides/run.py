"""Running the Python of a deck or a page, as a reader would type it, and checking what it prints.

The blocks of one chapter run in order in one fresh interpreter, so a later block may use what
an earlier one defined, exactly as in a notebook. A ```text block that follows a ```python block
on the same slide is that block's expected output: the lines must match, where `...` in an
expected line stands for any text (a timing, a path). The interpreter does its linear
algebra on OpenBLAS's Haswell kernels, so that the digits do not depend on the CPU.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from zerodl.slides.deck import CodeBlock, Slide

# OpenBLAS picks its kernels by CPU (Haswell's, SkylakeX's, Zen's...), and they round
# differently: a numerical gradient or a training run then prints other digits on another
# machine. The examples run on the Haswell kernels, which every x86-64 CPU with AVX2 has, so
# that what a page shows is what every such machine prints; a user's own setting stands.
REFERENCE_ARITHMETIC = ({"OPENBLAS_CORETYPE": "Haswell"}
                        if platform.machine().lower() in ("x86_64", "amd64") else {})

# Runs in the child interpreter: each block with its own captured stdout, in one namespace.
RUNNER = r"""
import contextlib, io, json, sys, traceback
blocks = json.load(sys.stdin)
namespace = {"__name__": "__main__"}
results = []
for source in blocks:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, "<block>", "exec"), namespace)
        results.append({"ok": True, "stdout": out.getvalue()})
    except BaseException:
        results.append({"ok": False, "stdout": out.getvalue(), "error": traceback.format_exc()})
        break
sys.__stdout__.write("\n@@results@@" + json.dumps(results))
"""


@dataclass
class Example:
    """A block of Python, where it stands, and the output it is expected to print (if shown)."""

    code: CodeBlock
    slide: int
    expected: str | None = None


@dataclass
class Outcome:
    example: Example
    ok: bool
    stdout: str
    error: str = ""

    @property
    def problem(self) -> str | None:
        """Why this example fails, in a line or a few, or None."""
        where = f"slide {self.example.slide} (line {self.example.code.line})"
        if not self.ok:
            last = self.error.strip().splitlines()[-1] if self.error.strip() else "no result"
            return f"{where}: {last}"
        if self.example.expected is not None and not output_matches(self.stdout,
                                                                      self.example.expected):
            return (f"{where}: printed\n{_indent(self.stdout)}\n  but the slide shows\n"
                    f"{_indent(self.example.expected)}")
        return None


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()) or "    (nothing)"


def output_matches(actual: str, expected: str) -> bool:
    """Line by line, ignoring trailing space; `...` in an expected line matches any text."""
    got = [line.rstrip() for line in actual.rstrip().splitlines()]
    want = [line.rstrip() for line in expected.rstrip().splitlines()]
    if len(got) != len(want):
        return False
    for g, w in zip(got, want, strict=True):
        pattern = ".*".join(re.escape(part) for part in w.split("..."))
        if not re.fullmatch(pattern, g):
            return False
    return True


def examples(slides: list[Slide]) -> list[Example]:
    """The ```python blocks of these slides in order, each with the ```text block after it."""
    found = []
    for slide in slides:
        for i, block in enumerate(slide.blocks):
            if block.lang not in ("python", "py"):
                continue
            after = slide.blocks[i + 1] if i + 1 < len(slide.blocks) else None
            expected = after.code if after is not None and after.lang == "text" else None
            found.append(Example(block, slide.number, expected))
    return found


def run_examples(found: list[Example], cwd, env: dict[str, str] | None = None,
                 timeout: float = 600) -> list[Outcome]:
    """Run the examples in order in one new interpreter; stops at the first that raises."""
    if not found:
        return []
    child_env = {**REFERENCE_ARITHMETIC, **os.environ, **(env or {}), "MPLBACKEND": "Agg",
                 "PYTHONHASHSEED": "0"}
    sources = json.dumps([e.code.code for e in found])
    try:
        proc = subprocess.run([sys.executable, "-c", RUNNER], input=sources, text=True,
                              capture_output=True, cwd=Path(cwd), env=child_env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [Outcome(found[0], False, "", f"TimeoutError: the examples ran over {timeout} s")]
    marker = proc.stdout.rfind("\n@@results@@")
    if marker < 0:
        tail = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        return [Outcome(found[0], False, "", f"the interpreter died: {tail}")]
    results = json.loads(proc.stdout[marker + len("\n@@results@@"):])
    return [Outcome(e, r["ok"], r["stdout"], r.get("error", ""))
            for e, r in zip(found, results, strict=False)]
