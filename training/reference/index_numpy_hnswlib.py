#!/usr/bin/python3
"""Reference measurements for `llmr bench index`: Python hnswlib (Debian's python3-hnswlib) and a numpy
brute-force exact search, on the exact float32 vectors the TypeScript bench used (little-endian files).

  hnsw:  build with M / efConstruction / threads as given, then single-query p50/p99 and recall@10 against
         the truth file for each ef, and bytes per vector of the saved index.
  exact: numpy brute force (X @ q, argpartition top-k): single-query p50 and batched (Q @ X.T) ms per query.
Prints one JSON line.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np


def pct(xs, p):
    return float(np.percentile(np.asarray(xs), p))


def main() -> None:
    a = argparse.ArgumentParser()
    a.add_argument("mode", choices=["hnsw", "exact"])
    a.add_argument("--data", required=True)
    a.add_argument("--queries", required=True)
    a.add_argument("--dim", type=int, required=True)
    a.add_argument("--truth", help="int32 rows × 10, for hnsw recall")
    a.add_argument("--m", type=int, default=16)
    a.add_argument("--ef-construction", type=int, default=200)
    a.add_argument("--ef", default="100")
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--k", type=int, default=10)
    a.add_argument("--batch", type=int, default=256)
    o = a.parse_args()
    X = np.fromfile(o.data, dtype="<f4").reshape(-1, o.dim)
    Q = np.fromfile(o.queries, dtype="<f4").reshape(-1, o.dim)
    out = {"numpy": np.__version__, "rows": int(X.shape[0]), "queries": int(Q.shape[0])}
    if o.mode == "exact":
        k = o.k
        times = []
        for q in Q:
            t = time.perf_counter()
            s = X @ q
            top = np.argpartition(-s, k)[:k]
            top = top[np.argsort(-s[top])]
            times.append((time.perf_counter() - t) * 1000)
        out["singleP50Ms"] = pct(times, 50)
        out["singleP99Ms"] = pct(times, 99)
        t = time.perf_counter()
        for i in range(0, len(Q), o.batch):
            S = Q[i : i + o.batch] @ X.T
            top = np.argpartition(-S, k, axis=1)[:, :k]
            np.take_along_axis(S, top, axis=1)
        out["batchMsPerQuery"] = (time.perf_counter() - t) * 1000 / len(Q)
    else:
        import hnswlib

        truth = np.fromfile(o.truth, dtype="<i4").reshape(len(Q), -1)
        idx = hnswlib.Index(space="cosine", dim=o.dim)
        idx.init_index(max_elements=X.shape[0], M=o.m, ef_construction=o.ef_construction, random_seed=42)
        idx.set_num_threads(o.threads)
        t = time.perf_counter()
        idx.add_items(X, np.arange(X.shape[0]))
        out["buildS"] = time.perf_counter() - t
        idx.set_num_threads(1)
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "index.bin")
            idx.save_index(f)
            out["bytesPerVector"] = os.path.getsize(f) / X.shape[0]
        out["ef"] = []
        for ef in [int(e) for e in o.ef.split(",")]:
            idx.set_ef(ef)
            times = []
            hit = 0
            for i, q in enumerate(Q):
                t = time.perf_counter()
                labels, _ = idx.knn_query(q, k=10)
                times.append((time.perf_counter() - t) * 1000)
                hit += len(set(labels[0].tolist()) & set(truth[i].tolist()))
            out["ef"].append({"ef": ef, "p50Ms": pct(times, 50), "p99Ms": pct(times, 99), "recallAt10": hit / (10 * len(Q))})
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
