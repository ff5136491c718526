#!/usr/bin/python3
"""The inside view against PyTorch (run by CTest): for MNIST test images, every conv layer's
output after BatchNorm and ReLU (eval mode) and the saliency map (the gradient of the predicted
class's log-probability w.r.t. the normalised input) from the C core (inspect_dump) match the
docs/network.md definition in PyTorch, run in float64 on the same weights, within 1e-4 relative
(max |c - torch| / max |torch| per tensor).
Usage: inspect_check.py INSPECT_DUMP MODEL IDX_IMAGES docs/network.md"""
import re
import struct
import subprocess
import sys
import tempfile

import torch
import torch.nn.functional as F

dump, model_file, images, network_md = sys.argv[1:5]
TOL = 1e-4
ns = {}
exec(re.search(r"```python\n(.*?)```", open(network_md).read(), re.S).group(1), ns)
failures, rows = 0, 0


def records(path):
    b, pos, out = open(path, "rb").read(), 0, {}
    while pos < len(b):
        n, = struct.unpack_from("<I", b, pos); pos += 4
        name = b[pos:pos + n].decode(); pos += n
        c, = struct.unpack_from("<I", b, pos); pos += 4
        out[name] = torch.tensor(struct.unpack_from("<%df" % c, b, pos), dtype=torch.float64); pos += 4 * c
    return out


for index in (0, 1, 7, 123):
    with tempfile.NamedTemporaryFile(suffix=".bin") as tmp:
        subprocess.run([dump, model_file, images, str(index), tmp.name], check=True)
        d = records(tmp.name)
    model = ns["MnistNet"]().double()
    state = {k[2:]: v.view_as(model.state_dict()[k[2:]]) for k, v in d.items() if k.startswith("t:")}
    model.load_state_dict(state, strict=False)
    model.eval()
    x = d["input"].view(1, 1, 28, 28).clone().requires_grad_(True)

    def forward(relu_masks=None, pool_arg=None):
        """docs/network.md's forward keeping each conv block's output (after BN and ReLU).
        The derivative at a kink is a convention, so for the gradient PyTorch is given the C
        side's decisions there: ReLU where C's output is > 0 (relu_masks), and C's winner in
        each 2x2 max-pool window (pool_arg). Background pixels make whole regions of exactly
        equal values, and a tie that float32 sees may not be one in float64."""
        acts, h = [], x
        for i in range(1, 9):
            z = getattr(model, f"bn{i}")(getattr(model, f"conv{i}")(h))
            h = z * relu_masks[i - 1] if relu_masks is not None else F.relu(z)
            acts.append(h)
            if i == 3:
                if pool_arg is None:
                    h = F.max_pool2d(h, 2)
                else:                               # windows in row-major order: (0,0) (0,1) (1,0) (1,1)
                    win = h.unfold(2, 2, 2).unfold(3, 2, 2).reshape(1, h.shape[1], h.shape[2] // 2, h.shape[3] // 2, 4)
                    h = win.gather(4, pool_arg.long().view(1, h.shape[1], h.shape[2] // 2, h.shape[3] // 2, 1)).squeeze(4)
        return acts, F.log_softmax(model.fc(h.mean(dim=(2, 3))), dim=1)

    acts, logp = forward()
    pred = int(logp.argmax())
    flips = sum(int(((a.detach().reshape(-1) > 0) != (d[f"act{i}"] > 0)).sum()) for i, a in enumerate(acts, start=1))
    _, logp_masked = forward([(d[f"act{i}"] > 0).double().view_as(a) for i, a in enumerate(acts, start=1)], d["pool_arg"])
    logp_masked[0, pred].backward()
    print(f"image {index:4d}: {flips} units on the other side of ReLU's kink in float64")

    def compare(name, c, t):
        global failures, rows
        err = (c - t.reshape(-1)).abs().max().item() / max(t.abs().max().item(), 1e-12)
        ok = err <= TOL
        failures += not ok
        rows += 1
        print(f"image {index:4d} {name:<9} max rel err {err:.2e}  {'ok' if ok else 'FAIL'}")

    if int(d["pred"][0]) != pred:
        failures += 1
        print(f"image {index}: C predicts {int(d['pred'][0])}, PyTorch {pred}  FAIL")
    for i, a in enumerate(acts, start=1):
        compare(f"conv{i}", d[f"act{i}"], a.detach())
    compare("log-probs", d["logprob"], logp.detach())
    compare("saliency", d["saliency"], x.grad)

print(f"inside view vs PyTorch: {rows} tensors, {failures} failed")
sys.exit(1 if failures else 0)
