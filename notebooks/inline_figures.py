"""zerodl の図をノートブックのセルの下に表示する、このフォルダのノートブックに共通の道具。

zerodl の図の関数は PNG ファイルを書く（ノートやスライドの図はそこから作られる）。`show` は図の関数に
一時フォルダへ描かせて、それを表示する。図はスライドと同じく日本語で描く。日本語のフォント
（Noto Sans CJK JP）がない環境では、`inline_figures.LANGUAGE = "en"` とすると英語で描く。

zerodl の図のモジュールは、読み込まれると matplotlib をファイル出力用（Agg）に切り替える。この
モジュールを読み込むと、ノートブックで自分で描くグラフがセルの下に表示されるように戻す。
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from IPython import get_ipython
from IPython.display import Image, display

from zerodl.plotting import language

LANGUAGE = "ja"

if get_ipython() is not None:
    get_ipython().run_line_magic("matplotlib", "inline")


def show(draw, *args, **kwargs):
    """draw(path, *args, **kwargs) に一時ファイルへ図を描かせて表示し、draw の返り値を返す。"""
    with tempfile.TemporaryDirectory() as folder, language(LANGUAGE):
        path = str(Path(folder) / "figure.png")
        result = draw(path, *args, **kwargs)
        display(Image(filename=path))
    return result


def show_all(run, **kwargs):
    """run(folder, **kwargs) に一時フォルダへ図を何枚か書かせてすべて表示し、run の返り値を返す。"""
    with tempfile.TemporaryDirectory() as folder, language(LANGUAGE):
        result = run(folder, **kwargs)
        for path in sorted(Path(folder).glob("*.png")):
            display(Image(filename=str(path)))
    return result
