"""Designs in PyTorch, written from docs/network.md's grammar without the C code: a parser of
the text form, a module builder, and the seeded generator of random valid designs that the
comparisons (compare.py, exports.py) and the C tests (tests/data/designs.txt) use.

    designs.py --generate N SEED     prints N random designs, one per line
    designs.py --check FILE          FILE is --generate 24 1's output and covers every option
"""
import random
import re
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

REFERENCE = "c8k3 c16k3 c32k3 m2 c8k1 c16k3 c32k3 c16k1 c16k3 gap fc10"
TOKEN = re.compile(r"^(?:c(\d+)k(\d+)((?::same|:nobn|:g\d+|:d[0-9.]+)*)|m2|gap|flat|fc(\d+)((?::d[0-9.]+)?))$")


def parse(spec):
    """[(kind, dict)] of a design's text form; kinds conv, pool, gap, flat, fc."""
    layers = []
    for tok in spec.split():
        m = TOKEN.match(tok)
        assert m, f"not a layer: {tok}"
        if tok.startswith("c"):
            opts = [o for o in m.group(3).split(":") if o]
            p = [float(o[1:]) for o in opts if o.startswith("d")]
            g = [int(o[1:]) for o in opts if o.startswith("g")]
            layers.append(("conv", dict(out=int(m.group(1)), k=int(m.group(2)), same="same" in opts, bn="nobn" not in opts,
                                        p=p[0] if p else None, groups=g[0] if g else 1, token=tok)))
        elif tok.startswith("fc"):
            p = m.group(5)
            layers.append(("fc", dict(out=int(m.group(4)), p=float(p[2:]) if p else None, token=tok)))
        else:
            layers.append(({"m2": "pool", "gap": "gap", "flat": "flat"}[tok], dict(token=tok)))
    return layers


class DesignNet(nn.Module):
    """A design as PyTorch modules, registered layer by layer (conv<i>, bn<i>, fc / fc<j>), so
    parameters() is in the C parameter arena's order. masks: per layer index, the C side's
    dropout masks (0 or 1/(1-p)) to apply instead of drawing, or None (no dropout)."""

    def __init__(self, spec):
        super().__init__()
        self.layers = parse(spec)
        c, h, w = 1, 28, 28
        n_fc = sum(kind == "fc" for kind, _ in self.layers)
        conv = fc = 0
        self.plan = []
        for kind, a in self.layers:
            if kind == "conv":
                conv += 1
                pad = a["k"] // 2 if a["same"] else 0
                setattr(self, f"conv{conv}", nn.Conv2d(c, a["out"], a["k"], padding=pad, bias=not a["bn"],
                                                          groups=a["groups"]))
                if a["bn"]:
                    setattr(self, f"bn{conv}", nn.BatchNorm2d(a["out"], eps=1e-5, momentum=0.1))
                self.plan.append(("conv", conv, a["bn"]))
                c, h, w = a["out"], h + 2 * pad - a["k"] + 1, w + 2 * pad - a["k"] + 1
            elif kind == "pool":
                self.plan.append(("pool",)); h, w = h // 2, w // 2
            elif kind == "gap":
                self.plan.append(("gap",)); h = w = 1
            elif kind == "flat":
                self.plan.append(("flat",)); c, h, w = c * h * w, 1, 1
            else:
                fc += 1
                name = "fc" if n_fc == 1 else f"fc{fc}"
                setattr(self, name, nn.Linear(c * h * w, a["out"]))
                self.plan.append(("fc", name, fc == n_fc))
                c, h, w = a["out"], 1, 1
        self.masks = None

    def forward(self, x):
        for i, step in enumerate(self.plan):
            if step[0] == "conv":
                y = getattr(self, f"conv{step[1]}")(x)
                x = F.relu(getattr(self, f"bn{step[1]}")(y) if step[2] else y)
            elif step[0] == "pool":
                x = F.max_pool2d(x, 2)
            elif step[0] == "gap":
                x = x.mean(dim=(2, 3), keepdim=True)
            elif step[0] == "flat":
                x = torch.flatten(x, 1)
            else:
                x = getattr(self, step[1])(torch.flatten(x, 1))
                if step[2]:
                    return x                                    # logits
                x = F.relu(x)
            if self.masks is not None and i in self.masks:
                x = x * self.masks[i].view_as(x)
        raise AssertionError("a design ends in fc10")


def param_count(spec):
    return sum(p.numel() for p in DesignNet(spec).parameters())


def random_groups(rng, c, out):
    """":g<G>" for a conv of c inputs and out outputs, G > 1 dividing both (depthwise, G = c,
    when c divides out), or "" (one group): drawn from its own generator (rng), so that adding
    groups changed no other draw of the designs."""
    divisors = [g for g in range(2, c + 1) if c % g == 0 and out % g == 0]
    if not divisors or rng.random() < 0.5:
        return ""
    return f":g{rng.choice(divisors)}"


def random_design(rng, group_rng):
    """A valid design of the exercise, small enough to compare quickly."""
    layers, h, c, convs = [], 28, 1, 0
    for _ in range(rng.randint(1, 6)):
        if convs and h >= 4 and rng.random() < 0.25:
            layers.append("m2"); h //= 2
            continue
        k = rng.choice([k for k in (1, 3, 5, 7) if k <= h] or [1])
        same = rng.random() < 0.3
        out = rng.choice([2, 3, 4, 6, 8, 12])
        tok = f"c{out}k{k}" + (":same" if same else "") + (":nobn" if rng.random() < 0.3 else "")
        tok += random_groups(group_rng, c, out)
        if rng.random() < 0.3:
            tok += ":d" + rng.choice(["0", "0.05", "0.2"])
        layers.append(tok); convs += 1; c = out
        h = h if same else h - k + 1
    end = rng.random()
    if end < 0.45:
        layers.append("gap")
    elif end < 0.85 and h <= 14:
        layers.append("flat")
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        layers.append(f"fc{rng.choice([8, 12, 24])}" + (":d" + rng.choice(["0", "0.3"]) if rng.random() < 0.4 else ""))
    layers.append("fc10")
    return " ".join(layers)


def generate(n, seed):
    rng, group_rng = random.Random(seed), random.Random(f"groups {seed}")
    return [random_design(rng, group_rng) for _ in range(n)]


def conv_groups(toks):
    """(input channels, groups) of every grouped conv of the designs (token lists)"""
    out = []
    for s in toks:
        c = 1
        for t in s:
            m = re.match(r"c(\d+)k\d+", t)
            g = re.search(r":g(\d+)", t)
            if m and g:
                out.append((c, g.group(1)))
            if m:
                c = int(m.group(1))
            elif t == "flat" or t.startswith("fc"):
                c = 0
    return out


def coverage(specs):
    """What the designs must cover between them; returns the missing items."""
    toks = [s.split() for s in specs]
    flat_toks = [t for s in toks for t in s]
    want = {
        "kernel 1": any(re.match(r"c\d+k1\b", t) for t in flat_toks),
        "kernel 3": any(re.match(r"c\d+k3\b", t) for t in flat_toks),
        "kernel 5": any(re.match(r"c\d+k5\b", t) for t in flat_toks),
        "kernel 7": any(re.match(r"c\d+k7\b", t) for t in flat_toks),
        "same padding": any(":same" in t for t in flat_toks),
        "without batch norm": any(":nobn" in t for t in flat_toks),
        "conv dropout of its own": any(t.startswith("c") and ":d0." in t for t in flat_toks),
        "depthwise conv": any(int(g) == c for c, g in conv_groups(toks)),
        "grouped conv (1 < groups < inputs)": any(1 < int(g) < c for c, g in conv_groups(toks)),
        "conv dropout 0": any(t.startswith("c") and t.endswith(":d0") for t in flat_toks),
        "hidden fc": any(len([t for t in s if t.startswith("fc")]) > 1 for s in toks),
        "hidden fc with dropout": any(t.startswith("fc") and ":d0." in t for t in flat_toks),
        "gap": any("gap" in s for s in toks),
        "flatten": any("flat" in s for s in toks),
        "fc on a feature map": any(not ("gap" in s or "flat" in s) and not s[[i for i, t in enumerate(s) if t.startswith("fc")][0] - 1].startswith("fc") for s in toks),
        "pool right after the first conv": any(len(s) > 1 and s[1] == "m2" for s in toks),
        "pool later": any("m2" in s[2:] for s in toks),
        "two pools": any(s.count("m2") >= 2 for s in toks),
    }
    return [k for k, ok in want.items() if not ok]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--generate":
        for spec in generate(int(sys.argv[2]), int(sys.argv[3])):
            print(spec)
    elif len(sys.argv) == 3 and sys.argv[1] == "--check":
        have = [line.strip() for line in open(sys.argv[2]) if line.strip()]
        if have != generate(24, 1):
            sys.exit(f"{sys.argv[2]} is not the generator's output (designs.py --generate 24 1 > {sys.argv[2]})")
        missing = coverage(have)
        if missing:
            sys.exit("the designs do not cover: " + ", ".join(missing))
        print(f"{len(have)} designs, every option covered")
    else:
        sys.exit(__doc__)
