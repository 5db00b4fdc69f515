"""The page in a real browser: Playwright drives Debian's Chromium (no browser download).

A stroke on the pad puts a digit in #prediction, a run in the Learn tab moves the curves, and
no request leaves the server, no console error is logged. The screenshots of the tabs are taken
here: into $ZERODL_SCREENSHOTS when it is set (docs/screenshots for the docs), else into a
temporary folder. Without Chromium or Playwright the tests are skipped, unless
ZERODL_REQUIRE_BROWSER=1 (CI), where that is a failure.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from zerodl.serve import App

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 900}
# a 7 drawn on the 280x280 pad: the top bar, then the long stroke down to the left
SEVEN = [(85, 60), (195, 60), (165, 140), (125, 235)]
TWO = [(80, 90), (140, 50), (200, 90), (80, 230), (210, 230)]


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
        if not shutil.which(CHROMIUM):
            raise ImportError(f"no {CHROMIUM}: apt-get install chromium fonts-noto-cjk")
    except ImportError as e:
        if os.environ.get("ZERODL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ZERODL_REQUIRE_BROWSER=1 but the page cannot be tested: {e}")
        pytest.skip(f"no browser to test the page in: {e}")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(serve, book_model, mnist10k, runs):
    with serve(App(book_model, source="book.safetensors", dataset=str(mnist10k),
                   runs_dir=runs)) as client:
        yield client


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("ZERODL_SCREENSHOTS")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def page(browser, site):
    """A page of the site, whose console errors and requests are recorded (and checked after
    the test: none of either may reach outside the server)."""
    page = browser.new_page(viewport=VIEWPORT)
    errors, requests = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    yield page
    page.close()
    assert errors == []
    assert requests and all(url.startswith(site.url) for url in requests), requests


def open_page(page, site, fragment: str) -> None:
    page.goto(f"{site.url}#{fragment}")
    page.wait_for_selector("body[data-ready=true]")


def draw(page, points) -> None:
    box = page.locator("#canvas").bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=10)
    page.mouse.up()


def prediction_is(page, label: str) -> None:
    page.wait_for_selector(f"#prediction:text-is('{label}')", timeout=30_000)


def test_a_stroke_on_the_pad_shows_the_digit_and_every_layer(page, site, screenshots):
    open_page(page, site, "lang=en")
    assert page.locator("#prediction").text_content() == "–"
    draw(page, SEVEN)
    prediction_is(page, "7")
    assert page.locator("#layers .layer").count() == 5
    # hovering over a layer's cells tells a value
    first = page.locator("#layers .layer canvas").first.bounding_box()
    page.mouse.move(first["x"] + 5, first["y"] + 5)
    assert re.fullmatch(r"Affine1, unit 1: -?\d+\.\d{4}", page.locator("#tooltip").text_content())
    page.mouse.move(0, 0)
    page.screenshot(path=screenshots / "draw.png", full_page=True)
    page.click("#clear")
    assert page.locator("#prediction").text_content() == "–"
    draw(page, TWO)
    prediction_is(page, "2")


def test_the_page_speaks_the_browsers_language(browser, site):
    for locale, tab in [("ja-JP", "描く"), ("en-GB", "Draw")]:
        page = browser.new_page(locale=locale)
        page.goto(site.url)
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#tab-draw").text_content() == tab
        page.close()


def test_the_page_speaks_japanese_and_shows_the_mistakes(page, site, screenshots):
    open_page(page, site, "lang=ja")
    assert page.locator("#tab-draw").text_content() == "描く"
    assert page.locator("html").get_attribute("lang") == "ja"
    page.click("#show-mistakes")
    page.wait_for_selector("#mistakes-grid figure")
    assert "誤認識" in page.locator("#mistakes-summary").text_content()
    page.locator("#mistakes-grid figure").first.click()
    page.wait_for_selector("#sample-note:has-text('正解ラベル')")
    page.wait_for_selector("#prediction:not(:text-is('–'))")
    page.mouse.move(0, 0)
    page.screenshot(path=screenshots / "draw-ja.png", full_page=True)
    page.click("#language")
    assert page.locator("#tab-draw").text_content() == "Draw"
    assert "lang=en" in page.url


def test_one_epoch_in_the_learn_tab_moves_the_curves_and_the_draw_tab_uses_the_network(
        page, site, screenshots):
    open_page(page, site, "lang=en&tab=learn")
    page.select_option("select[name=model]", "simple-conv")
    page.select_option("select[name=optimizer]", "adam")
    assert page.locator("input[name=lr]").input_value() == "0.001"
    page.fill("input[name=epochs]", "1")
    page.click("#start")
    page.wait_for_selector("#loss-chart:not([data-points='0'])", timeout=120_000)
    points_while_running = int(page.locator("#loss-chart").get_attribute("data-points"))
    page.wait_for_selector("#save:not([disabled])", timeout=300_000)
    assert points_while_running < 25 == int(page.locator("#loss-chart").get_attribute("data-points"))
    assert "test accuracy" in page.locator("#train-status").text_content()
    assert "filters of Conv1" in page.locator("#weights-note").text_content()
    assert "model=simple-conv" in page.url and "optimizer=adam" in page.url
    page.screenshot(path=screenshots / "learn.png", full_page=True)
    page.click("#save")
    page.wait_for_selector("#train-status:has-text('Saved as')")

    page.click("#tab-draw")
    assert "simple-conv" in page.locator("#model-line").text_content()
    draw(page, SEVEN)
    prediction_is(page, "7")
    assert page.locator("#layers .layer").count() == 6 and page.locator("canvas.filters").count() == 1
    page.mouse.move(0, 0)
    page.screenshot(path=screenshots / "draw-cnn.png", full_page=True)
