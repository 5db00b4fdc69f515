"""`zerodl predict MODEL IMAGE...`: the top three classes for each picture."""

from __future__ import annotations

import numpy as np

from zerodl.backend import to_numpy
from zerodl.cli.common import add_device_option, device, in_file, load_model, model_inputs
from zerodl.datasets.images import image_files, load_image
from zerodl.functions import softmax


def add_parser(sub, parents) -> None:
    p = sub.add_parser("predict", parents=parents, help="top-3 classes for image files or folders")
    p.add_argument("model_file", metavar="MODEL", type=in_file)
    p.add_argument("images", nargs="+", metavar="IMAGE")
    add_device_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    model = load_model(args.model_file).to(device(args))
    meta = getattr(model, "meta", {})
    classes = meta.get("classes") or [str(i) for i in range(10)]
    for path in image_files(args.images):
        image = load_image(path, framing=meta.get("framing", "digit"))
        scores = model.predict(model_inputs(model, image.reshape(1, -1).astype(np.float32)))
        probs = to_numpy(scores[0] if model.model_name == "three-layer" else softmax(scores[0]))
        top = np.argsort(probs)[::-1][:3]
        ranked = ", ".join(f"{classes[i]} ({probs[i]:.3f})" for i in top)
        print(f"{path}: {ranked}")
    return 0
