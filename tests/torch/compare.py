#!/usr/bin/python3
"""Compare the C network with PyTorch on the same weights and batch (run by CTest).

torch_dump (C) writes initial weights, a batch and its results; this script builds the
network in PyTorch (designs.py, from docs/network.md's grammar), loads the same weights, and
checks logits, log-probs, loss, every parameter gradient, BatchNorm running statistics after
one step, and all parameters after 3 steps of SGD (Nesterov, weight decay) and of Adam.

    compare.py DUMPER [--conv auto|direct|winograd] [--rounding-sensitive SEED] [--designs FILE]

DUMPER is torch_dump's path, or node:PATH for its wasm build run by Node. Without --designs
the reference net runs in three cases; with it, also every design of FILE (one per line:
tests/data/designs.txt), each with the recipe's dropout at 0.1 and at 0 (layers with a
dropout of their own keep it).

Error measure, per tensor: max |c - torch| / max |torch| (relative to the tensor's scale).
Element-wise relative error is not used because many entries are near zero, where float32
rounding alone gives large ratios. Tolerance 1e-4. Exit status 1 if any tensor exceeds it.

PyTorch runs in float64 on the C run's float32 weights and inputs. Why: Adam divides by
sqrt(v), so a gradient component that is near zero at one step turns float32 rounding into
an update of +-lr. With seed 11, PyTorch in float32 itself differs from PyTorch in float64
by 3.8e-3 after 3 Adam steps, while the C code differs from float64 by 1e-6. float64 is the
better-defined reference; the C code (float32) must land within 1e-4 of it.

That 1e-6 is a property of one rounding order, not only of the code: the same direct
convolution over the GEMM without fused multiply-add (the arithmetic of the wasm build, where
SIMD equals the scalar reference to the bit; MNIST_GEMM=scalar) gives 6.9e-3 after 3 Adam
steps and 3.1e-4 after 3 SGD steps for seed 11, and every other tensor within 1e-4. So the
run of the Winograd convolution (--conv winograd, the wasm build's 3x3 layers) is called
with --rounding-sensitive 11: seed 11's 3-step rows are printed with their error but not
judged; every other row, and every row of the default run, is.
"""
import struct
import subprocess
import sys
import tempfile

import os
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from designs import REFERENCE, DesignNet  # noqa: E402

TOL = 1e-4


def read_records(path):
    out = {}
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos); pos += 4
        name = data[pos:pos + n].decode(); pos += n
        (cnt,) = struct.unpack_from("<I", data, pos); pos += 4
        out[name] = torch.tensor(struct.unpack_from("<%df" % cnt, data, pos), dtype=torch.float32); pos += 4 * cnt
    return out


def load_flat(model, flat, state):
    off = 0
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(flat[off:off + p.numel()].view_as(p).to(p.dtype)); off += p.numel()
        assert off == flat.numel(), (off, flat.numel())
        set_state(model, state)


def bn_modules(model):
    return [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]


def set_state(model, state):
    off = 0
    for bn in bn_modules(model):
        k = bn.num_features
        bn.running_mean.copy_(state[off:off + k]); bn.running_var.copy_(state[off + k:off + 2 * k]); off += 2 * k


def get_state(model):
    return torch.cat([torch.cat([bn.running_mean, bn.running_var]) for bn in bn_modules(model)]) if bn_modules(model) else torch.zeros(0)


def flat_params(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def flat_grads(model):
    return torch.cat([p.grad.reshape(-1) for p in model.parameters()])


def arg_values(flag):
    return [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == flag]


def masks_of(d, step, dtype):
    found = {int(k.split("_")[1]): v.to(dtype) for k, v in d.items() if k.startswith(f"mask{step}_")}
    return found or None


ADAM_WELL_POSED = 1e-4


def run_torch(spec, d, batch, dtype, stepwise):
    """Everything compare() judges, computed by PyTorch in dtype from the C run's start (d): a
    list of (row name, tensor, well-posed mask or None).

    The optimiser rows: without stepwise, 3 steps from the start, PyTorch on its own (the
    reference net). With stepwise (the designs), each step k starts from the C run's
    parameters and BatchNorm statistics after step k - 1 (the optimiser's moments are
    PyTorch's own, made from its gradients on the same trajectory): one step's error each,
    not three steps' compounded through every kink of ReLU and max-pool that rounding can put
    on the other side.

    Adam rows carry the mask of their well-posed components: those whose gradient (with weight
    decay, as Adam sees it) is at least ADAM_WELL_POSED of the network's largest gradient
    component at every step so far, or exactly 0 (a unit that is off for every image). Adam's
    first step is lr * sign(gradient) however small the gradient is, so a component whose
    gradient nearly cancels (e.g. the shift of a BatchNorm whose output the next BatchNorm takes
    back out) takes a step of +-lr that float32 rounding decides, in PyTorch's float32 as in C."""
    out = []
    model = DesignNet(spec).to(dtype).train()
    load_flat(model, d["params0"], d["bn_state0"])
    model.masks = masks_of(d, 0, dtype)
    x = d["input"].view(batch, 1, 28, 28).to(dtype)
    y = d["labels"].long()
    logits = model(x)
    logprob = F.log_softmax(logits, dim=1)
    loss = F.nll_loss(logprob, y)
    loss.backward()
    out += [("logits", logits.detach(), None), ("log-probs", logprob.detach(), None), ("loss", loss.detach().view(1), None)]
    out += [(f"grad {n}", p.grad.reshape(-1), None) for n, p in model.named_parameters()]
    if bn_modules(model):
        out.append(("BN running stats after 1 step", get_state(model).detach(), None))
    for kind in ["sgd", "adam"]:
        model = DesignNet(spec).to(dtype).train()
        load_flat(model, d["params0"], d["bn_state0"])
        if kind == "sgd":
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
        else:
            opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=5e-4)
        posed = [torch.ones(p.numel(), dtype=torch.bool) for p in model.parameters()]
        for step in range(3):
            if stepwise and step:
                load_flat(model, d[f"params_{kind}{step}"], d[f"bn_state_{kind}{step}"])
            model.masks = masks_of(d, step, dtype)
            opt.zero_grad()
            F.nll_loss(F.log_softmax(model(x), dim=1), y).backward()
            scale = max(p.grad.abs().max().item() for p in model.parameters())
            for k, p in enumerate(model.parameters()):
                raw, eff = p.grad.detach().reshape(-1), (p.grad + 5e-4 * p).detach().reshape(-1)
                posed[k] &= (eff.abs() >= ADAM_WELL_POSED * scale) | (raw == 0)
            opt.step()
            mask = torch.cat(posed) if kind == "adam" else None
            if stepwise or step == 2:
                what = f"{kind} step {step + 1}" + (f" from C's step {step}" if stepwise and step else "") if stepwise else f"3 {kind} steps"
                out.append((f"params after {what}", flat_params(model), mask))
                if bn_modules(model):
                    out.append((f"BN running stats after {what}", get_state(model).detach(), None))
    return out


def c_side(d, row, batch, model):
    """The C run's tensor for a row of run_torch"""
    if row in ("logits", "log-probs"):
        return d["logits" if row == "logits" else "logprob"].view(batch, 10)
    if row == "loss":
        return d["loss"]
    if row.startswith("grad "):
        off = 0
        for n, p in model.named_parameters():
            if row == f"grad {n}":
                return d["grads"][off:off + p.numel()]
            off += p.numel()
    if row == "BN running stats after 1 step":
        return d["bn_state1"]
    m = re.search(r"(sgd|adam) step (\d)|3 (sgd|adam) steps", row)
    kind, step = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), "3")
    return d[f"params_{kind}{step}"] if row.startswith("params") else d[f"bn_state_{kind}{step}"]


def rel_err(c, t):
    t = t.double()
    return (c.double() - t).abs().max().item() / max(t.abs().max().item(), 1e-12)


def main():
    dump = sys.argv[1]
    dumper = ["node", "--no-experimental-fetch", dump[5:]] if dump.startswith("node:") else [dump]
    unjudged = {int(v) for v in arg_values("--rounding-sensitive")}
    conv = (arg_values("--conv") or ["auto"])[0]
    failures = 0
    rows = []

    def judge(name, ok, err, note=""):
        nonlocal failures
        if ok is not None:
            failures += not ok
        rows.append((name, err, ok, note))

    # Dropout on (with the C side's masks) in two cases and off in one. (Batch 8 was tried and
    # dropped: with or without dropout its 3-step results differ by ~2e-3 between float32 and
    # float64 — a BatchNorm over 8 images sits close to kinks — which says nothing of the code.)
    cases = [(REFERENCE, 7, 16, 2, 0.1), (REFERENCE, 11, 32, 1, 0.0), (REFERENCE, 3, 24, 3, 0.25)]
    for path in arg_values("--designs"):
        specs = [line.strip() for line in open(path) if line.strip()]
        for i, spec in enumerate(specs):
            cases += [(spec, 100 + i, 16, 2, 0.1), (spec, 200 + i, 16, 1, 0.0)]
    for spec, seed, batch, threads, dropout in cases:
        with tempfile.NamedTemporaryFile(suffix=".bin") as tmp:
            subprocess.run(dumper + [tmp.name, str(seed), str(batch), str(threads), str(dropout), conv, spec], check=True)
            d = read_records(tmp.name)
        torch.manual_seed(0)
        model = DesignNet(spec)
        n_params = sum(p.numel() for p in model.parameters())
        name = "reference" if spec == REFERENCE else f"[{spec}]"
        # exact: the same count on both sides (the reference net: 15,122)
        count_ok = n_params == d["params0"].numel() and (spec != REFERENCE or n_params == 15122)
        judge(f"{name} seed {seed}: parameter count (C {d['params0'].numel()}, PyTorch {n_params})", count_ok, 0.0 if count_ok else 1.0)
        if spec == REFERENCE and dropout > 0:
            dropped = float((d["mask0_0"] == 0).double().mean())
            judge(f"seed {seed}: share of layer-1 units dropped {dropped:.3f} (p = {dropout})", abs(dropped - dropout) < 0.05, abs(dropped - dropout))
        tag = f"{name} seed {seed} batch {batch} threads {threads} dropout {dropout}"
        designed = spec != REFERENCE
        exact = run_torch(spec, d, batch, torch.float64, designed)
        # A design's rows are also run in PyTorch's float32: where float32 arithmetic itself
        # cannot come within 1e-4 of float64 (a gradient that is zero in exact arithmetic, as
        # a 1x1 convolution of one channel under BatchNorm has), the C code is held to 3x
        # PyTorch's own float32 error.
        single = {row: t for row, t, _ in run_torch(spec, d, batch, torch.float32, True)} if designed else {}
        for row, t, posed in exact:
            c = c_side(d, row, batch, model)
            allowed, note = TOL, ""
            if posed is not None and designed:
                dropped = int((~posed).sum())
                c, t, single[row] = c[posed], t[posed], single[row][posed]
                note = f"({dropped} of {posed.numel()} components ill-posed, not compared)" if dropped else ""
            err = rel_err(c, t)
            if row in single:
                err32 = rel_err(single[row], t)
                if 3 * err32 > TOL:
                    allowed, note = 3 * err32, f"(PyTorch float32: {err32:.1e}) {note}"
            judged = not (not designed and seed in unjudged and "after 3" in row)
            judge(f"{tag}: {row}", err <= allowed if judged else None, err, note)

    width = max(len(r[0]) for r in rows)
    for name, err, ok, note in rows:
        verdict = "not judged" if ok is None else "ok" if ok else "FAIL (> %.0e)" % TOL
        print(f"{name:<{width}}  max rel err {err:.2e}  {verdict} {note}")
    judged = sum(ok is not None for _, _, ok, _ in rows)
    widened = sum("float32" in note for *_, note in rows)
    designs = len({c[0] for c in cases})
    print(f"torch comparison: {designs} design(s), {len(cases)} cases, {len(rows)} tensors, {judged} judged, "
          f"{widened} held to PyTorch float32's own error instead of 1e-4, {failures} over tolerance")
    if judged < 0.9 * len(rows):     # the exclusions must stay exceptions
        print("FAIL: fewer than 90 % of the rows were judged")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
