"""Reference for Polyglot's linear probe (Sources/Evaluation/Probes/LinearProbe.swift), written
independently in NumPy: standardize with the training rows' mean and (population) standard deviation,
zero-initialized multinomial logistic regression, full-batch Adam on mean cross-entropy + (l2/2)||W||^2.

Writes Tests/Fixtures/evaluation/linear_probe.json. Run: /opt/refpy/bin/python tools/reference/evaluation_linear_probe.py
"""
import json
import pathlib

import numpy as np

rng = np.random.default_rng(11)
n, d, k = 24, 6, 3
centers = rng.normal(0, 1.5, size=(k, d))
labels = np.arange(n) % k
x = (centers[labels] + rng.normal(0, 1.0, size=(n, d))).astype(np.float32).astype(np.float64)
test = (centers[np.arange(9) % k] + rng.normal(0, 1.0, size=(9, d))).astype(np.float32).astype(np.float64)
steps, lr, l2 = 200, 0.05, 1e-3

mu = x.mean(axis=0)
sd = x.std(axis=0)
sd[sd <= 1e-8] = 1.0
z = (x - mu) / sd
W = np.zeros((d, k))
b = np.zeros(k)
mW, vW, mB, vB = np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b)
onehot = np.eye(k)[labels]
for t in range(1, steps + 1):
    logits = z @ W + b
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    g = (p - onehot) / n
    dW = z.T @ g + l2 * W
    dB = g.sum(axis=0)
    mW = 0.9 * mW + 0.1 * dW
    vW = 0.999 * vW + 0.001 * dW * dW
    mB = 0.9 * mB + 0.1 * dB
    vB = 0.999 * vB + 0.001 * dB * dB
    c1, c2 = 1 - 0.9 ** t, 1 - 0.999 ** t
    W -= lr * (mW / c1) / (np.sqrt(vW / c2) + 1e-8)
    b -= lr * (mB / c1) / (np.sqrt(vB / c2) + 1e-8)

zt = (test - mu) / sd
lt = zt @ W + b
lt -= lt.max(axis=1, keepdims=True)
pt = np.exp(lt)
pt /= pt.sum(axis=1, keepdims=True)

out = {
    "features": x.tolist(), "labels": labels.tolist(), "classes": k, "steps": steps, "learning_rate": lr, "l2": l2,
    "weights": W.reshape(-1).tolist(), "bias": b.tolist(), "test": test.tolist(), "test_probabilities": pt.tolist(),
}
path = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "evaluation" / "linear_probe.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}")
