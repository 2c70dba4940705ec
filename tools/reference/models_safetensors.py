"""A small safetensors file written by the reference implementation (the `safetensors` package from
PyTorch tensors), in every dtype Polyglot reads, plus the expected values as JSON.

Writes Tests/Fixtures/models/dtypes.safetensors and dtypes.json.
Run: /opt/refpy/bin/python tools/reference/models_safetensors.py
"""
import json
import os

import torch
from safetensors.torch import save_file

here = os.path.dirname(os.path.abspath(__file__))
out_dir = os.path.join(os.path.dirname(os.path.dirname(here)), "Tests", "Fixtures", "models")
g = torch.Generator().manual_seed(7)
base = torch.randn(3, 5, generator=g) * 3
specials = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.0e-8, 1.0e-5, 3.14159])
tensors = {
    "f32": base.clone(),
    "f16": base.to(torch.float16),
    "bf16": base.to(torch.bfloat16),
    "f64": base.to(torch.float64),
    "f16_specials": specials.to(torch.float16),
    "i64": torch.tensor([[0, -1, 2**40], [7, -(2**33), 30521]], dtype=torch.int64),
    "i32": torch.tensor([1, -2, 2**30], dtype=torch.int32),
    "u8": torch.tensor([0, 255, 17], dtype=torch.uint8),
    "scalar": torch.tensor(1.5),
    "empty": torch.zeros(0, 4),
}
save_file(tensors, os.path.join(out_dir, "dtypes.safetensors"), metadata={"format": "pt", "note": "polyglot dtypes fixture"})
expected = {}
for k, t in tensors.items():
    values = t.to(torch.float64).reshape(-1).tolist() if t.is_floating_point() else t.reshape(-1).tolist()
    expected[k] = {"shape": list(t.shape), "values": values}
with open(os.path.join(out_dir, "dtypes.json"), "w") as f:
    json.dump(expected, f, indent=1)
print("wrote dtypes.safetensors and dtypes.json")
