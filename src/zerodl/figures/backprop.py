"""Chapter 5 figure: the shopping example's computational graph, forward and backward."""

from __future__ import annotations

from pathlib import Path

from zerodl.figures.style import Group, blank, plt, save_figure
from zerodl.layers import AddLayer, MulLayer


def shopping_values() -> dict:
    """Run the graph with zerodl's layers: forward values and the gradient on every edge."""
    mul_apple, mul_orange, add, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()
    apple_price = mul_apple.forward(100, 2)
    orange_price = mul_orange.forward(150, 3)
    total = add.forward(apple_price, orange_price)
    price = mul_tax.forward(total, 1.1)
    dtotal, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add.backward(dtotal)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    return {"apple_price": apple_price, "orange_price": orange_price, "total": total,
            "price": price, "dtotal": dtotal, "dtax": dtax, "dapple_price": dapple_price,
            "dorange_price": dorange_price, "dapple": dapple, "dapple_num": dapple_num,
            "dorange": dorange, "dorange_num": dorange_num}


def shopping_graph(path) -> None:
    v = shopping_values()
    fig, ax = plt.subplots(figsize=(10, 5))
    ops = {"mul_apple": (3, 4.2), "mul_orange": (3, 0.8), "add": (5.5, 2.5), "mul_tax": (8, 2.5)}
    for name, xy in ops.items():
        ax.add_patch(plt.Circle(xy, 0.4, facecolor="white", edgecolor="black", lw=1.5, zorder=2))
        ax.text(*xy, "+" if name == "add" else "×", ha="center", va="center", fontsize=16)
    edges = [  # (start, end, forward value, backward gradient)
        ((0, 5.4), ops["mul_apple"], "apple 100", f"{v['dapple']:.1f}"),
        ((0, 3.0), ops["mul_apple"], "apples 2", f"{v['dapple_num']:.0f}"),
        ((0, 2.0), ops["mul_orange"], "orange 150", f"{v['dorange']:.1f}"),
        ((0, -0.4), ops["mul_orange"], "oranges 3", f"{v['dorange_num']:.0f}"),
        (ops["mul_apple"], ops["add"], f"{v['apple_price']:g}", f"{v['dapple_price']:.1f}"),
        (ops["mul_orange"], ops["add"], f"{v['orange_price']:g}", f"{v['dorange_price']:.1f}"),
        (ops["add"], ops["mul_tax"], f"{v['total']:g}", f"{v['dtotal']:.1f}"),
        ((6.5, 0.2), ops["mul_tax"], "tax 1.1", f"{v['dtax']:.0f}"),
        (ops["mul_tax"], (10.3, 2.5), f"{v['price']:.0f}", "1"),
    ]
    for start, end, forward, backward in edges:
        ax.annotate("", xy=end, xytext=start,
                    arrowprops={"arrowstyle": "->", "lw": 1.3, "shrinkA": 2, "shrinkB": 16})
        at = 0.35 if start[0] == 0 else 0.5  # input edges converge: label them nearer their start
        mid = (start[0] + (end[0] - start[0]) * at, start[1] + (end[1] - start[1]) * at)
        ax.text(mid[0], mid[1] + 0.22, forward, ha="center", fontsize=9)
        ax.text(mid[0], mid[1] - 0.38, backward, ha="center", fontsize=9, color="tab:red")
    ax.text(0, -1.2, "black: forward values    red: backward gradients d(price)/d(edge)",
            fontsize=9)
    blank(ax, (-0.5, 10.8), (-1.5, 5.9))
    save_figure(fig, path)


def draw(out_dir, **_) -> None:
    shopping_graph(Path(out_dir) / "shopping-graph.png")


GROUPS = (
    Group("backprop", 5, {"shopping-graph.png": "04_backpropagation/shopping_graph.png"}, False,
          draw),
)
