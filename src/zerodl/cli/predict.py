"""`zerodl predict MODEL IMAGE...`: the top three classes for each picture, and a warning where
there is no digit to see or the model is unsure."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from zerodl.atomic import atomic_open
from zerodl.cli.common import add_device_option, device, in_file, out_dir
from zerodl.datasets.images import image_files, read_pixels
from zerodl.errors import DataError
from zerodl.nets import load_model
from zerodl.prediction import class_names, predict_picture

EXAMPLES = """examples:
  zerodl predict runs/mnist/model.safetensors photo.jpg drawing.png
  zerodl predict model.safetensors my-digits/ --json
  zerodl predict model.safetensors photo.jpg --show seen/"""


def add_parser(sub, parents) -> None:
    p = sub.add_parser("predict", parents=parents, epilog=EXAMPLES,
                       help="top-3 classes for image files or folders")
    p.add_argument("model_file", metavar="MODEL", type=in_file)
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files, or folders of them")
    p.add_argument("--json", action="store_true",
                   help='one JSON object per image: {"file", "top", "warning"}')
    p.add_argument("--show", type=out_dir, metavar="DIR",
                   help="write the 28x28 input that the network saw, as DIR/NAME.png")
    add_device_option(p)
    p.set_defaults(func=run)


def _save_input(image: np.ndarray, folder: Path, source: Path) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / f"{source.stem}.png"
    with atomic_open(target) as f:
        Image.fromarray((image * 255).round().astype(np.uint8)).save(f, format="PNG")
    return target


def run(args) -> int:
    model = load_model(args.model_file).to(device(args))
    meta = getattr(model, "meta", {})
    classes = class_names(model)
    failed = 0
    for path in image_files(args.images):
        try:
            prediction = predict_picture(model, read_pixels(path), meta.get("framing", "digit"))
        except DataError as e:  # one bad file does not stop the others
            failed += 1
            print(f"zerodl: {e}", file=sys.stderr)
            if args.json:
                print(json.dumps({"file": str(path), "top": None, "warning": None,
                                  "error": str(e)}, ensure_ascii=False))
            continue
        top = prediction.top(classes)
        if args.show is not None:
            _save_input(prediction.image, args.show, path)
        if args.json:
            print(json.dumps({"file": str(path), "top": top, "warning": prediction.warning},
                             ensure_ascii=False))
            continue
        ranked = ", ".join(f"{t['label']} ({t['p']:.3f})" for t in top)
        print(f"{path}: {ranked}")
        if prediction.warning:
            print(f"  warning: {prediction.warning}")
    return 2 if failed else 0
