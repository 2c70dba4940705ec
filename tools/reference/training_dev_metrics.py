"""Golden values for Training's DevMetrics (Tests/TrainingTests/DevMetricsTests.swift).

Run: /opt/refpy/bin/python tools/reference/training_dev_metrics.py
"""
import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error

gold = [0, 1, 2, 2, 1, 0, 3, 3, 1, 2]
pred = [0, 2, 2, 2, 1, 0, 3, 1, 1, 4]
print("accuracy", repr(accuracy_score(gold, pred)))
print("macro_f1", repr(f1_score(gold, pred, average="macro", labels=sorted(set(gold) | set(pred)))))

x = [0.5, 1.5, 2.0, 3.25, 4.0, 4.0, 6.5]
y = [1.0, 1.0, 2.5, 3.0, 5.5, 4.0, 7.0]
print("mse", repr(mean_squared_error(y, x)))
print("pearson", repr(pearsonr(x, y)[0]))
print("spearman", repr(spearmanr(x, y)[0]))
