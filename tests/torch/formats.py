#!/usr/bin/python3
"""The model in other tools' formats, checked with PyTorch and onnx (run by CTest).

Usage: formats.py MNIST_EXPORT MNIST_INFER docs/network.md MODEL.bin MNIST_DATA_DIR

1. A safetensors file written by PyTorch (a 20-line writer, safetensors_io.py: Debian has no
   python safetensors package) from the docs/network.md definition, with random weights and BatchNorm
   statistics, is read by the C core (mnist-infer): same predictions, log-probabilities within
   1e-4 on 200 MNIST test images.
2. The C export (mnist-export --safetensors), read back by a small reader and loaded with
   load_state_dict(strict=True) into the docs/network.md definition, gives the C model's
   log-probabilities within 1e-4.
3. The ONNX export passes onnx's checker (full_check), with the documented input and output.
4. docs/network.md's "Use the model elsewhere" PyTorch example runs as printed.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import read_safetensors, write_safetensors  # noqa: E402

export, infer, network_md, model_bin, data_dir = sys.argv[1:6]
N = 200
TOL = 1e-4
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def doc_code(path, after=None):
    text = open(path).read()
    if after:
        text = text[text.index(after):]
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


ns = {}
exec(doc_code(network_md), ns)
MnistNet = ns["MnistNet"]

raw = open(os.path.join(data_dir, "t10k-images-idx3-ubyte"), "rb").read()
images = torch.frombuffer(bytearray(raw[16:16 + N * 784]), dtype=torch.uint8).float().view(N, 1, 28, 28) / 255
x = (images - 0.1307) / 0.3081


def c_log_probs(model_path):
    out = subprocess.run([infer, "--model", model_path, "--images", os.path.join(data_dir, "t10k-images-idx3-ubyte"),
                          "--limit", str(N), "--json"], check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith('{"index"')]
    return torch.tensor([r["log_probs"] for r in rows], dtype=torch.float64)


with tempfile.TemporaryDirectory() as tmp:
    # 1. PyTorch writes, C reads
    torch.manual_seed(3)
    model = MnistNet()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
                m.num_batches_tracked.fill_(123)
    model.eval()
    with torch.no_grad():
        lp_torch = model(x).double()
    pt_file = os.path.join(tmp, "pytorch.safetensors")
    write_safetensors(pt_file, model.state_dict())
    lp_c = c_log_probs(pt_file)
    err = (lp_c - lp_torch).abs().max().item()
    check(lp_c.shape == (N, 10) and err <= TOL, f"PyTorch-written safetensors read by C: max |log-prob difference| {err:.2e} over {N} images")
    check(bool((lp_c.argmax(1) == lp_torch.argmax(1)).all()), "PyTorch-written safetensors read by C: same predictions")

    # 2. C writes, PyTorch reads
    ours = os.path.join(tmp, "model.safetensors")
    subprocess.run([export, "--model", model_bin, "--safetensors", ours], check=True, capture_output=True)
    state, meta = read_safetensors(ours)
    check(meta.get("format") == "pt" and meta.get("architecture") == "c8k3 c16k3 c32k3 m2 c8k1 c16k3 c32k3 c16k1 c16k3 gap fc10", f"metadata {meta}")
    back = MnistNet()
    back.load_state_dict(state, strict=True)
    back.eval()
    with torch.no_grad():
        lp_back = back(x).double()
    lp_ref = c_log_probs(model_bin)
    err = (lp_back - lp_ref).abs().max().item()
    check(err <= TOL, f"C-exported safetensors in PyTorch: max |log-prob difference| {err:.2e} over {N} images")
    check(bool((lp_back.argmax(1) == lp_ref.argmax(1)).all()), "C-exported safetensors in PyTorch: same predictions")

    # 3. ONNX checker
    try:
        import onnx
        onnx_file = os.path.join(tmp, "model.onnx")
        subprocess.run([export, "--model", model_bin, "--onnx", onnx_file], check=True, capture_output=True)
        m = onnx.load(onnx_file)
        onnx.checker.check_model(m, full_check=True)
        io = ([(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]) for i in m.graph.input],
              [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]) for o in m.graph.output])
        check(io == ([("image", ["N", 1, 28, 28])], [("log_probs", ["N", 10])]) and m.opset_import[0].version == 13,
              f"ONNX passes onnx {onnx.__version__}'s checker; inputs/outputs {io}; opset {m.opset_import[0].version}")
    except ImportError:
        check(False, "python3-onnx is not installed (apt-get install python3-onnx)")

    # 4. docs/network.md's PyTorch example, as printed, in a folder holding model.safetensors
    example = doc_code(network_md, after="## Use the model elsewhere")
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        ex = {"MnistNet": MnistNet}
        exec(example, ex)
    finally:
        os.chdir(cwd)
    with torch.no_grad():
        expected = back((torch.zeros(1, 1, 28, 28) - 0.1307) / 0.3081)
    got = ex.get("log_probs")
    check(got is not None and tuple(got.shape) == (1, 10) and (got - expected).abs().max().item() < 1e-6,
          "docs/network.md's PyTorch example loads the exported file and gives the model's log-probabilities")

print(f"formats: {len(failures)} failed")
sys.exit(1 if failures else 0)
