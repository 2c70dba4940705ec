"""Golden fixture for the Engine (llm.c test_gpt2 style): a tiny HF BertForMaskedLM (post-LN, dropout 0),
a padded batch, its logits, loss, every parameter's gradient and the losses of 10 AdamW steps.
Run: /opt/refpy/bin/python tools/reference/engine_golden.py  (writes Tests/Fixtures/engine/engine_golden.{json,bin})
Tensors are raw little-endian float32, concatenated; the JSON index gives each one's offset (in floats) and shape."""
import json, os, sys
import numpy as np, torch
from transformers import BertConfig, BertForMaskedLM

out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "engine")
torch.manual_seed(1234)
cfg = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
           max_position_embeddings=16, type_vocab_size=2, layer_norm_eps=1e-12, hidden_dropout_prob=0.0,
           attention_probs_dropout_prob=0.0, hidden_act="gelu", initializer_range=0.02)
model = BertForMaskedLM(BertConfig(**cfg, attn_implementation="eager"))
# Larger weights than the 0.02 init so that attention and GELU are far from linear and the test can fail.
with torch.no_grad():
    for name, p in model.named_parameters():
        if "LayerNorm" in name:
            p.add_(0.1 * torch.randn_like(p))
        else:
            p.normal_(0, 0.2)
model.train()  # dropout is 0, so train() only matters for parity with the training step

B, T = 2, 8
ids = torch.randint(1, cfg["vocab_size"], (B, T))
mask = torch.ones(B, T, dtype=torch.long)
mask[1, 5:] = 0
ids[1, 5:] = 0
types = torch.zeros(B, T, dtype=torch.long)
types[0, 4:] = 1
labels = torch.full((B, T), -100, dtype=torch.long)
for b, t in [(0, 1), (0, 3), (0, 6), (0, 7), (1, 0), (1, 2), (1, 4)]:
    labels[b, t] = torch.randint(0, cfg["vocab_size"], ()).item()

def named_params():
    # Tied parameters appear once: the decoder's weight is the word embeddings, its bias cls.predictions.bias.
    return [(n.removeprefix("bert."), p) for n, p in model.named_parameters()]

tensors = {}
for n, p in named_params():
    tensors["param/" + n] = p.detach().clone()
outputs = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels, output_hidden_states=True)
outputs.loss.backward()
tensors["logits"] = outputs.logits.detach()
tensors["loss"] = outputs.loss.detach().reshape(1)
for i, h in enumerate(outputs.hidden_states):
    tensors[f"hidden/{i}"] = h.detach()
for n, p in named_params():
    tensors["grad/" + n] = p.grad.detach().clone()

opt = torch.optim.AdamW(model.parameters(), lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
losses = []
model.zero_grad(set_to_none=True)
for step in range(10):
    loss = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels).loss
    losses.append(loss.item())
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
tensors["adamw_losses"] = torch.tensor(losses)
tensors["input_ids"] = ids.float(); tensors["attention_mask"] = mask.float()
tensors["token_type_ids"] = types.float(); tensors["labels"] = labels.float()

index, chunks, offset = {}, [], 0
for name, t in tensors.items():
    a = t.detach().to(torch.float32).contiguous().numpy().astype("<f4")
    index[name] = {"offset": offset, "shape": list(a.shape)}
    chunks.append(a.tobytes()); offset += a.size
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, "engine_golden.bin"), "wb") as f:
    f.write(b"".join(chunks))
meta = {"config": {k: v for k, v in cfg.items() if k != "hidden_act"}, "hidden_act": cfg["hidden_act"], "batch": B, "length": T, "adamw": {"lr": 1e-2, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01},
        "torch": torch.__version__, "tensors": index}
with open(os.path.join(out_dir, "engine_golden.json"), "w") as f:
    json.dump(meta, f, indent=1)
print(f"wrote {offset} floats; loss {outputs.loss.item():.6f}; adamw losses {losses[0]:.4f} -> {losses[-1]:.4f}")
