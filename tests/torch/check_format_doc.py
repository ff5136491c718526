#!/usr/bin/python3
"""Runs the Python reader printed in docs/model-format.md on the shipped pretrained model, so
the documentation stays true: 42 tensors, 15,122 parameters, shapes as the reference net."""
import re
import sys

doc, model = sys.argv[1], sys.argv[2]
code = re.search(r"```python\n(.*?)```", open(doc).read(), re.S).group(1)
ns = {}
exec(code, ns)
t = ns["read_model"](model)
params = sum(len(v) for k, (d, v) in t.items() if "running" not in k and not k.startswith("optim"))
ok = len(t) == 42 and params == 15122 and t["conv3.weight"][0] == (32, 16, 3, 3) and t["fc.weight"][0] == (10, 16)
print(f"docs/model-format.md reader: {len(t)} tensors, {params} parameters: {'ok' if ok else 'MISMATCH'}")
sys.exit(0 if ok else 1)
