#!/usr/bin/python3
"""Reference implementation of the `mlp` router's training loop in PyTorch, for `llmr bench train`.

Same model and loop as src/routers/mlp.ts with its defaults: dropout(x) -> Linear(dim, hidden) -> ReLU ->
dropout -> Linear(hidden, models); masked BCE-with-logits over observed cells (NaN = missing); Adam with
decoupled weight decay on the weight matrices only; gradient clipping by global L2 norm; our own seeded
shuffle per epoch. Reads the exact features/targets the TF.js bench trained on (little-endian float32 files)
and prints one JSON line with timings. Run with Debian's python3-torch: /usr/bin/python3 mlp_torch.py ...
"""
import argparse
import json
import re
import sys
import time

import numpy as np
import torch


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--features", required=True)
    p.add_argument("--targets", required=True)
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--models", type=int, required=True)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--clip", type=float, default=5.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x = torch.from_numpy(np.fromfile(a.features, dtype="<f4").reshape(a.rows, a.dim).copy())
    t_raw = torch.from_numpy(np.fromfile(a.targets, dtype="<f4").reshape(a.rows, a.models).copy())
    mask = (~torch.isnan(t_raw)).float()
    t = torch.nan_to_num(t_raw, nan=0.0)

    l1 = torch.nn.Linear(a.dim, a.hidden)
    l2 = torch.nn.Linear(a.hidden, a.models)
    drop = torch.nn.Dropout(a.dropout)
    params = [l1.weight, l1.bias, l2.weight, l2.bias]
    opt = torch.optim.AdamW(
        [{"params": [l1.weight, l2.weight], "weight_decay": a.weight_decay}, {"params": [l1.bias, l2.bias], "weight_decay": 0.0}],
        lr=a.lr,
        eps=1e-7,
    )
    bce = torch.nn.BCEWithLogitsLoss(reduction="none")
    gen = np.random.default_rng(a.seed)
    epoch_s = []
    losses = []
    for _ in range(a.epochs):
        t0 = time.perf_counter()
        order = torch.from_numpy(gen.permutation(a.rows))
        total = 0.0
        for i in range(0, a.rows, a.batch):
            idx = order[i : i + a.batch]
            xb, tb, mb = x[idx], t[idx], mask[idx]
            logits = l2(drop(torch.relu(l1(drop(xb)))))
            loss = (bce(logits, tb) * mb).sum() / mb.sum().clamp(min=1.0)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if a.clip > 0:
                torch.nn.utils.clip_grad_norm_(params, a.clip)
            opt.step()
            total += loss.item() * len(idx)
        epoch_s.append(time.perf_counter() - t0)
        losses.append(total / a.rows)
    steady = epoch_s[1:] if len(epoch_s) > 1 else epoch_s
    sec = sum(steady) / len(steady)
    blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    json.dump(
        {
            "framework": f"torch {torch.__version__} (BLAS {blas.group(1) if blas else 'unknown'})",
            "threads": torch.get_num_threads(),
            "secondsPerEpoch": sec,
            "samplesPerSec": a.rows / sec,
            "epochSeconds": epoch_s,
            "loss": losses,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
