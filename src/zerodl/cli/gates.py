"""`zerodl gates`: the truth tables of AND, OR, NAND and XOR, with the weighted sum per row."""

from __future__ import annotations

from zerodl.perceptron import AND_GATE, NAND_GATE, OR_GATE, TRUTH_TABLE_INPUTS, XOR


def add_parser(sub, parents) -> None:
    p = sub.add_parser("gates", parents=parents,
                       help="truth tables of the AND, OR, NAND and XOR perceptrons")
    p.set_defaults(func=run)


def run(args) -> int:
    for name, gate in (("AND", AND_GATE), ("OR", OR_GATE), ("NAND", NAND_GATE)):
        w1, w2 = gate.weights
        print(f"{name}: w1 = {w1:g}, w2 = {w2:g}, b = {gate.bias:g}")
        print(" x1 x2 | w1*x1 + w2*x2 + b | y")
        for x1, x2 in TRUTH_TABLE_INPUTS:
            s = gate.weighted_sum([x1, x2])
            print(f"  {x1}  {x2} | {s:>17.1f} | {gate.predict([x1, x2])}")
        print()
    print("XOR = AND(NAND(x1, x2), OR(x1, x2)): a two-layer perceptron")
    print(" x1 x2 | s1 = NAND | s2 = OR | AND(s1, s2): sum | y")
    for x1, x2 in TRUTH_TABLE_INPUTS:
        s1, s2 = NAND_GATE.predict([x1, x2]), OR_GATE.predict([x1, x2])
        s = AND_GATE.weighted_sum([s1, s2])
        print(f"  {x1}  {x2} | {s1:>9} | {s2:>7} | {s:>16.1f} | {XOR(x1, x2)}")
    return 0
