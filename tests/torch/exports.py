#!/usr/bin/python3
"""Every design's exports, checked with PyTorch and onnx (run by CTest).

Usage: exports.py MNIST_TRAIN MNIST_EXPORT MNIST_INFER DESIGNS_FILE MNIST_DATA_DIR

For the reference net and every design of DESIGNS_FILE (tests/data/designs.txt): a model
trained for a few steps by mnist-train (so BatchNorm statistics are not the initial ones) is
exported by mnist-export as PyTorch code, safetensors and ONNX, then
1. the PyTorch code imports only torch and defines MnistNet; MnistNet() takes the safetensors
   export with load_state_dict(strict=True) and gives the C model's log-probabilities (from
   mnist-infer) within 1e-4 on 100 MNIST test images, with the same predictions;
2. the ONNX export passes onnx's checker (full_check), input image [N, 1, 28, 28], output
   log_probs [N, 10]. (onnxruntime runs the same exports in tests/node/onnx.test.mjs.)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from designs import REFERENCE  # noqa: E402
from safetensors_io import read_safetensors  # noqa: E402

train, export, infer, designs_file, data_dir = sys.argv[1:6]
N = 100
TOL = 1e-4
failures = []


def check(ok, what):
    if not ok:
        print("FAIL  " + what)
        failures.append(what)


raw = open(os.path.join(data_dir, "t10k-images-idx3-ubyte"), "rb").read()
x = (torch.frombuffer(bytearray(raw[16:16 + N * 784]), dtype=torch.uint8).float().view(N, 1, 28, 28) / 255 - 0.1307) / 0.3081
specs = [REFERENCE] + [line.strip() for line in open(designs_file) if line.strip()]
worst = 0.0
try:
    import onnx
except ImportError:
    onnx = None
    check(False, "python3-onnx is not installed (apt-get install python3-onnx)")

with tempfile.TemporaryDirectory() as tmp:
    for i, spec in enumerate(specs):
        model, st, py, ox = (os.path.join(tmp, f"{i}.{ext}") for ext in ("bin", "safetensors", "py", "onnx"))
        subprocess.run([train, "--data", data_dir, "--arch", spec, "--epochs", "1", "--limit", "192", "--batch", "64", "--seed", str(i + 1),
                        "--threads", "1", "--export", model], check=True, capture_output=True)
        subprocess.run([export, "--model", model, "--safetensors", st, "--pytorch", py, "--onnx", ox], check=True, capture_output=True)
        out = subprocess.run([infer, "--model", model, "--images", os.path.join(data_dir, "t10k-images-idx3-ubyte"), "--limit", str(N), "--json"],
                             check=True, capture_output=True, text=True).stdout
        lp_c = torch.tensor([json.loads(r)["log_probs"] for r in out.splitlines() if r.startswith('{"index"')], dtype=torch.float64)

        source = open(py).read()
        imports = re.findall(r"^\s*(?:import|from)\s+(\S+)", source, re.M)
        check(all(m == "torch" or m.startswith("torch.") for m in imports), f"[{spec}] the PyTorch code imports {imports}")
        ns = {}
        exec(compile(source, py, "exec"), ns)
        net = ns["MnistNet"]()
        state, meta = read_safetensors(st)
        check(meta.get("architecture") == spec, f"[{spec}] safetensors metadata {meta}")
        try:
            net.load_state_dict(state, strict=True)
        except RuntimeError as e:
            check(False, f"[{spec}] load_state_dict(strict=True): {e}")
            continue
        net.eval()
        with torch.no_grad():
            lp_torch = net(x).double()
        err = (lp_torch - lp_c).abs().max().item() / max(lp_c.abs().max().item(), 1.0)
        worst = max(worst, err)
        check(lp_torch.shape == (N, 10) and err <= TOL, f"[{spec}] PyTorch code + safetensors vs C: max log-prob difference {err:.2e}")
        check(bool((lp_torch.argmax(1) == lp_c.argmax(1)).all()), f"[{spec}] PyTorch code + safetensors: other predictions than C's")

        if onnx:
            m = onnx.load(ox)
            try:
                onnx.checker.check_model(m, full_check=True)
            except Exception as e:  # noqa: BLE001 - the checker's own exception types vary by version
                check(False, f"[{spec}] onnx checker: {e}")
            io = ([(v.name, [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]) for v in m.graph.input],
                  [(v.name, [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]) for v in m.graph.output])
            check(io == ([("image", ["N", 1, 28, 28])], [("log_probs", ["N", 10])]), f"[{spec}] ONNX inputs/outputs {io}")
            check({p.key: p.value for p in m.metadata_props}.get("architecture") == spec, f"[{spec}] ONNX metadata")

print(f"exports: {len(specs)} designs; PyTorch code + safetensors vs C: worst log-prob difference {worst:.2e} over {N} images each; "
      f"onnx checker on every ONNX file; {len(failures)} failed")
sys.exit(1 if failures else 0)
