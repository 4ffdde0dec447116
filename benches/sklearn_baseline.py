#!/usr/bin/env python3
"""scikit-learn's MultinomialNB on the same train/test files as `intentdojo classifier eval`.

Usage: python3 benches/sklearn_baseline.py TRAIN.jsonl TEST.jsonl
Lines are {"text": ..., "label": ...} (other fields ignored). Needs `pip install scikit-learn`.
Prints accuracy and macro-F1 for the two settings the lab issue quotes:
(a) word 1-2 gram counts, alpha 1; (b) word 1-2 + char_wb 1-4 gram counts, alpha 0.1.
"""
import json
import sys
import time

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import FeatureUnion, make_pipeline


def load(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                obj = json.loads(line)
                texts.append(obj["text"])
                labels.append(obj["label"])
    return texts, labels


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    xtr, ytr = load(sys.argv[1])
    xte, yte = load(sys.argv[2])
    settings = [
        ("(a) word 1-2, alpha 1.0", make_pipeline(
            CountVectorizer(analyzer="word", ngram_range=(1, 2)), MultinomialNB(alpha=1.0))),
        ("(b) word 1-2 + char_wb 1-4, alpha 0.1", make_pipeline(
            FeatureUnion([
                ("word", CountVectorizer(analyzer="word", ngram_range=(1, 2))),
                ("char", CountVectorizer(analyzer="char_wb", ngram_range=(1, 4))),
            ]),
            MultinomialNB(alpha=0.1))),
    ]
    print(f"train {len(xtr)}, test {len(xte)}, classes {len(set(ytr))}")
    for name, pipe in settings:
        started = time.time()
        pipe.fit(xtr, ytr)
        seconds = time.time() - started
        predicted = pipe.predict(xte)
        print(f"{name}: accuracy {accuracy_score(yte, predicted):.3f}, "
              f"macro-F1 {f1_score(yte, predicted, average='macro'):.3f}, train {seconds:.2f} s")


if __name__ == "__main__":
    main()
