"""Reference kNN router in scikit-learn, as the issue's bar was measured: TF-IDF over word 1-2 grams
(scikit-learn defaults otherwise), cosine kNN (brute force), prediction = mean of the k neighbours' scores
per model (missing scores skipped). Not part of the product: it lets training/experiments/routerQuality.ts
compare our routers with the reference on the same rows (paired bootstrap).

    /usr/bin/python3 training/reference/knn_sklearn.py --input split.json --output preds.json --k 40

input:  {"models": [...], "train": [{"prompt": str, "scores": [float|null, ...]}], "test": [{"id": str, "prompt": str}]}
output: {"ids": [...], "pred": [[float, ...], ...], "k": int, "sklearn": version}
"""
import argparse
import json

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--k", type=int, default=40)
    a = ap.parse_args()
    with open(a.input) as f:
        d = json.load(f)
    vec = TfidfVectorizer(ngram_range=(1, 2))
    x_train = vec.fit_transform([r["prompt"] for r in d["train"]])
    x_test = vec.transform([r["prompt"] for r in d["test"]])
    y = np.array([[np.nan if v is None else v for v in r["scores"]] for r in d["train"]], dtype=float)
    nn = NearestNeighbors(n_neighbors=min(a.k, x_train.shape[0]), metric="cosine", algorithm="brute").fit(x_train)
    _, idx = nn.kneighbors(x_test)
    means = np.nanmean(y, axis=0)
    pred = np.nanmean(y[idx], axis=1)  # (test, models)
    pred = np.where(np.isnan(pred), means, pred)
    with open(a.output, "w") as f:
        json.dump({"ids": [r["id"] for r in d["test"]], "pred": pred.tolist(), "k": a.k, "sklearn": sklearn.__version__}, f)


if __name__ == "__main__":
    main()
