"""Independent PyTorch reference for the bs-losses Dice and Focal Tversky losses.

Written from the formulas (paper Eq. 1 and Eq. 2), not from the Rust code: every reduction unit
(whole batch, one image, one class, or one image-class pair) is sliced out explicitly and
flattened, the way the Keras reference code flattens its tensors.

usage: python losses.py INPUT.safetensors CASES.json OUTPUT.safetensors
"""
import json
import sys

import torch
from safetensors.torch import load_file, save_file


def units(p, y, batch, cls):
    n, c = p.shape[0], p.shape[1]
    if batch == "pooled" and cls == "pooled":
        return [(p, y)]
    if batch == "pooled":
        return [(p[:, k], y[:, k]) for k in range(c)]
    if cls == "pooled":
        return [(p[i], y[i]) for i in range(n)]
    return [(p[i, k], y[i, k]) for i in range(n) for k in range(c)]


def loss_of(case, p, y):
    keep = [k for k in range(p.shape[1]) if k not in case["excluded"]]
    p, y = p[:, keep], y[:, keep]
    s = case["smooth"]
    values = []
    for a, b in units(p, y, case["batch"], case["class"]):
        a, b = a.flatten(), b.flatten()
        if case["loss"] == "dice":
            # Eq. 1: 1 - 2 sum(yp) / (sum(y) + sum(p)), smoothed.
            values.append(1 - (2 * (a * b).sum() + s) / (b.sum() + a.sum() + s))
        else:
            # Eq. 2: alpha on false positives (1 - y) p, beta on false negatives y (1 - p).
            tp = (a * b).sum()
            fp = ((1 - b) * a).sum()
            fn = (b * (1 - a)).sum()
            ti = (tp + s) / (tp + case["alpha"] * fp + case["beta"] * fn + s)
            values.append(torch.clamp(1 - ti, min=1e-12) ** case["gamma"])
    return torch.stack(values).mean()


def main():
    tensors = load_file(sys.argv[1])
    cases = json.load(open(sys.argv[2]))
    out = {}
    for i, case in enumerate(cases):
        p = tensors[f"probs_{i}"].clone().requires_grad_(True)
        y = tensors[f"target_{i}"].to(p.dtype)
        loss = loss_of(case, p, y)
        loss.backward()
        out[f"loss_{i}"] = loss.detach().reshape(1)
        out[f"grad_{i}"] = p.grad.contiguous()
    save_file(out, sys.argv[3])
    print(len(cases))


main()
