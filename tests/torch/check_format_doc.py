#!/usr/bin/python3
"""Runs the Python reader printed in docs/model-format.md on the shipped pretrained model (a
version-1 file), so the documentation stays true: 42 tensors, 15,122 parameters, shapes as the
reference net; and, given mnist-train and the MNIST folder, on a version-5 file of a design with
every option that it writes (with training state)."""
import os
import subprocess
import tempfile
import re
import sys

doc, model = sys.argv[1], sys.argv[2]
train, data = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else (None, None)
code = re.search(r"```python\n(.*?)```", open(doc).read(), re.S).group(1)
ns = {}
exec(code, ns)
t = ns["read_model"](model)
params = sum(len(v) for k, (d, v) in t.items() if "running" not in k and not k.startswith("optim"))
ok = len(t) == 42 and params == 15122 and t["conv3.weight"][0] == (32, 16, 3, 3) and t["fc.weight"][0] == (10, 16)
print(f"docs/model-format.md reader: {len(t)} tensors, {params} parameters: {'ok' if ok else 'MISMATCH'}")
if train:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "design.bin")
        subprocess.run([train, "--data", data, "--arch", "c6k5:same:nobn:d0.05 c8k3:same m2 c10k3:g2:d0 flat fc12:d0.3 fc10",
                        "--epochs", "1", "--limit", "128", "--batch", "64", "--save", path], check=True, capture_output=True)
        t = ns["read_model"](path)
        want = {"conv1.weight": (6, 1, 5, 5), "conv1.bias": (6,), "bn2.weight": (8,), "conv3.weight": (10, 4, 3, 3),
                "fc1.weight": (12, 1440), "fc2.bias": (10,), "bn3.running_var": (10,)}
        ok4 = all(t.get(k, ((),))[0] == v for k, v in want.items()) and "bn1.weight" not in t and "optim.m" in t
        print(f"docs/model-format.md reader on a version-5 design file: {len(t)} tensors: {'ok' if ok4 else 'MISMATCH'}")
        ok = ok and ok4
sys.exit(0 if ok else 1)
