"""Rendering a deck to HTML and PDF with marp-cli, and checking what came out.

marp-cli runs at a pinned version, installed once with npm into zerodl's cache folder, and
prints PDF through Chromium ($CHROME_PATH, else Debian's /usr/bin/chromium). Its KaTeX fonts are
taken from that installation, not from the CDN that Marp links by default, so that formulas
come out right on a machine that is offline. A rendered deck is checked four ways: the PDF has
one page per slide; every image a slide shows is on its page at the file's own pixel size (a
missing file leaves Chromium's 16-pixel broken-image icon there instead); formulas are set in
KaTeX's fonts; and, when Playwright is installed, no slide's content runs past its bottom
margin or out of its code blocks, which Marp would clip without a word.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image as PILImage

from zerodl.datasets import cache_dir
from zerodl.slides.deck import Deck, DeckError

MARP_VERSION = "4.5.1"
MARP_CLI = f"@marp-team/marp-cli@{MARP_VERSION}"
MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", flags=re.S)
CHROMIUM = "/usr/bin/chromium"
# Content may reach this far into the bottom padding before the slide counts as overflowing,
# but never into the footer, whose top is the limit where there is one.
OVERFLOW_SLACK_PX = 20


@dataclass
class BuildReport:
    outputs: dict[str, Path]
    pages: int  # of the PDF
    images: int  # checked on their pages
    problems: list[str] = field(default_factory=list)
    overflow_checked: bool = False


def chromium() -> str:
    path = os.environ.get("CHROME_PATH") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if not path or not Path(path).exists():
        raise DeckError("rendering needs Chromium: install Debian's 'chromium' package (and"
                        " 'fonts-noto-cjk' for Japanese), or set CHROME_PATH to a Chrome binary")
    return path


def marp_install() -> Path:
    """The folder where the pinned marp-cli is installed ($ZERODL_MARP_DIR, else a folder of
    zerodl's cache), installing it with npm the first time."""
    folder = Path(os.environ.get("ZERODL_MARP_DIR") or cache_dir() / f"marp-cli-{MARP_VERSION}")
    if (folder / "node_modules" / ".bin" / "marp").exists():
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise DeckError(f"rendering needs marp-cli ({MARP_CLI}), which zerodl installs with npm:"
                        " install Node.js and npm")
    proc = subprocess.run([npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund",
                           "--loglevel=error", MARP_CLI], capture_output=True, text=True,
                          timeout=900)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise DeckError(f"npm could not install {MARP_CLI} into {folder}: {tail}")
    return folder


def _katex_fonts(install: Path) -> Path:
    found = sorted(install.glob("node_modules/**/katex/dist/fonts"))
    if not found:
        raise DeckError(f"the marp-cli in {install} has no KaTeX fonts: remove the folder so"
                        " that it is installed again")
    return found[0]


def render(deck_path: Path, out: Path, formats=("html", "pdf")) -> dict[str, Path]:
    """Run marp-cli once per format; returns {format: output file}."""
    out.mkdir(parents=True, exist_ok=True)
    install = marp_install()
    env = {**os.environ, "CHROME_PATH": chromium()}
    config = {"options": {"math": {"lib": "katex",
                                   "katexFontPath": _katex_fonts(install).as_uri() + "/"}}}
    outputs = {}
    with tempfile.TemporaryDirectory(prefix="zerodl-marp-") as scratch:
        config_file = Path(scratch) / "marp.config.json"
        config_file.write_text(json.dumps(config))
        for fmt in formats:
            target = out / f"{deck_path.stem}.{fmt}"
            command = [str(install / "node_modules" / ".bin" / "marp"), "--config-file",
                       str(config_file), str(deck_path), "--allow-local-files", "-o", str(target)]
            if fmt == "pdf":
                command.insert(-2, "--pdf")
            proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
            if proc.returncode != 0 or not target.is_file():
                tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                raise DeckError(f"marp-cli could not render {deck_path} to {fmt}: {tail}")
            outputs[fmt] = target
    return outputs


def _prose(text: str) -> str:
    return re.sub(r"```.*?```|`[^`]*`", "", text, flags=re.S)


def _fonts(page) -> set[str]:
    fonts = page.get("/Resources", {}).get("/Font", {})
    return {str(font.get_object().get("/BaseFont", "")) for font in fonts.values()}


def pdf_problems(deck: Deck, pdf: Path) -> tuple[int, int, list[str]]:
    """(pages, images checked, problems): a page per slide, every local image on its page."""
    # optional: pip install 'zerodl[slides]'
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    problems = []
    if len(reader.pages) != len(deck.slides):
        problems.append(f"{pdf.name} has {len(reader.pages)} pages for {len(deck.slides)} slides")
    for slide, page in zip(deck.slides, reader.pages, strict=False):
        if MATH.search(_prose(slide.text)) and not any("KaTeX" in f for f in _fonts(page)):
            problems.append(f"slide {slide.number}: its formulas are not set in KaTeX's fonts")
    base = deck.path.parent if deck.path else Path.cwd()
    checked = 0
    for slide, page in zip(deck.slides, reader.pages, strict=False):
        local = [img for img in slide.images if img.is_local]
        if not local:
            continue
        on_page = {img.image.size for img in page.images}
        for img in local:
            checked += 1
            file = base / img.src
            if not file.is_file():
                problems.append(f"slide {slide.number}: image {img.src} does not exist")
                continue
            with PILImage.open(file) as f:
                size = f.size
            if size not in on_page:
                problems.append(f"slide {slide.number}: image {img.src} ({size[0]}x{size[1]}) is not"
                                " on its page")
    return len(reader.pages), checked, problems


# Sizes are measured on screen, where the slide is scaled to the window, and converted back to
# the slide's own pixels.
OVERFLOW_SCRIPT = """(slack) => {
  const slides = document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section');
  const measured = [...slides].map((s, i) => {
    const box = s.getBoundingClientRect();
    const scale = box.height / s.clientHeight;
    const style = getComputedStyle(s);
    const footer = s.querySelector(':scope > footer');
    const bottomLimit = Math.min(
      box.top + (s.clientHeight - parseFloat(style.paddingBottom) + slack) * scale,
      footer && footer.textContent.trim() ? footer.getBoundingClientRect().top : Infinity);
    const rightLimit = box.left + (s.clientWidth - parseFloat(style.paddingRight) + slack) * scale;
    const problems = [];
    let bottom = box.top;
    for (const c of s.children) {
      if (c.tagName === 'HEADER' || c.tagName === 'FOOTER') continue;
      bottom = Math.max(bottom, c.getBoundingClientRect().bottom);
    }
    if (bottom > bottomLimit)
      problems.push(`its content runs ${Math.round((bottom - bottomLimit) / scale)} px too low` +
                    ' (into the margin or the footer)');
    for (const img of s.querySelectorAll('img'))
      if (!img.complete || !img.naturalWidth)
        problems.push(`its image ${img.getAttribute('src')} did not load`);
    // a code block is a <pre is="marp-pre">, or a <marp-pre> where the browser has no
    // customized built-in elements
    for (const e of s.querySelectorAll('pre, marp-pre, table, img, p, li, .katex-display')) {
      const r = e.getBoundingClientRect();
      const tag = e.tagName.toLowerCase().replace('marp-', '');
      if (r.right > rightLimit || e.scrollWidth > e.clientWidth + 1 && tag === 'pre')
        problems.push(`a ${tag} is wider than the slide`);
    }
    return [i + 1, Math.round(bottom - box.top), [...new Set(problems)]];
  });
  return {bottoms: measured.map(([, b]) => b),
          clipped: measured.filter(([, , p]) => p.length).map(([n, , p]) => [n, p])};
}"""
# Marp sizes code blocks (and fitted headings) from script, after the page has loaded: each is
# an SVG that keeps the default 150 px of height until a ResizeObserver has measured what it
# holds and given it a viewBox. The slides are measured once every one has its viewBox, and
# again until two measurements two frames apart agree. Now and then (seen once in some fifty
# loads) the sizing never starts; the page is then loaded again.
AUTO_SCALED = """() => [...document.querySelectorAll('[data-auto-scaling]')].every(host => {
  const scaling = host.shadowRoot && host.shadowRoot.querySelector('marp-auto-scaling');
  const svg = scaling && scaling.shadowRoot && scaling.shadowRoot.querySelector('svg');
  const box = svg && svg.getAttribute('viewBox');
  const held = svg && svg.querySelector('foreignObject > span');
  return box && (parseFloat(box.split(/[\\s,]+/)[3]) > 0 || held.getBoundingClientRect().height === 0);
})"""
SETTLE = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
SETTLE_TIMEOUT_S = 10
SETTLE_TRIES = 3


@contextlib.contextmanager
def laid_out_page(html: Path, sync_api):
    """`html` open in Chromium (through Playwright's sync_api) once Marp has sized its code
    blocks; None where it never did, in SETTLE_TRIES loads."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(),
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            for _ in range(SETTLE_TRIES):
                page.goto(html.resolve().as_uri())
                page.wait_for_load_state("load")
                page.evaluate("() => document.fonts.ready.then(() => true)")
                try:
                    page.wait_for_function(AUTO_SCALED, timeout=SETTLE_TIMEOUT_S * 1000)
                except sync_api.TimeoutError:
                    continue
                yield page
                return
            yield None
        finally:
            browser.close()


def overflow_problems(html: Path) -> list[str] | None:
    """Slides whose content is clipped, measured in Chromium; None without Playwright."""
    try:
        # optional: pip install 'zerodl[slides]'
        from playwright import sync_api
    except ImportError:
        return None
    with laid_out_page(html, sync_api) as page:
        if page is None:
            return [f"{html.name}: its code blocks were not laid out in {SETTLE_TRIES} loads"
                    f" of {SETTLE_TIMEOUT_S} s, so its slides could not be measured"]
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        previous, measured = None, page.evaluate(OVERFLOW_SCRIPT, OVERFLOW_SLACK_PX)
        while measured != previous and time.monotonic() < deadline:
            page.evaluate(SETTLE)
            page.wait_for_timeout(100)
            previous, measured = measured, page.evaluate(OVERFLOW_SCRIPT, OVERFLOW_SLACK_PX)
    return [f"slide {number}: {'; '.join(problems)}" for number, problems in measured["clipped"]]


def copy_images(deck: Deck, out: Path) -> None:
    """Copy the deck's local images beside an HTML written elsewhere, at the same relative
    paths: marp-cli leaves an image's path as the deck wrote it."""
    base = deck.path.parent
    if out.resolve() == base.resolve():
        return
    for slide in deck.slides:
        for image in slide.images:
            source = base / image.src
            if image.is_local and source.is_file():
                target = out / image.src
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


def build(deck: Deck, out: Path) -> BuildReport:
    """Render `deck` into `out` as HTML and PDF (with the images the HTML shows) and check both."""
    if deck.path is None:
        raise DeckError("a deck must be a file to be rendered")
    outputs = render(deck.path, out)
    copy_images(deck, out)
    pages, checked, problems = pdf_problems(deck, outputs["pdf"])
    report = BuildReport(outputs, pages, checked, problems)
    clipped = overflow_problems(outputs["html"])
    if clipped is not None:
        report.overflow_checked = True
        report.problems.extend(clipped)
    return report
