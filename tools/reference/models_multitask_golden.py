"""Golden fixture for multi-task training steps: what tools/reference/xtreme_hf.py's multi-task loop does in PyTorch
(one BERT encoder shared by a BertForTokenClassification and a BertForSequenceClassification, each step one task,
AdamW over parameter groups with the token head at a learning-rate multiplier, global-norm clipping, the linear
schedule with warm-up, zero_grad(set_to_none=True) so the head a step does not train has no gradient and AdamW leaves
it, its moments and its step count alone) on a tiny model with dropout 0, so Polyglot's step can be compared with
it number for number (Tests/ModelsTests/MultiTaskGoldenTests.swift).

Writes Tests/Fixtures/models/multitask/:
  config.json, model.safetensors  the encoder (BertModel, with its pooler) as a Hugging Face folder;
  golden.safetensors              init/<name>: the heads' starting weights; final/<name>: every parameter after the
                                  last step, under Polyglot's names (embeddings.*, encoder.layer.*, heads.tag.proj.*,
                                  heads.cls.dense.* = the classifier's pooler, heads.cls.proj.*);
  golden.json                     the two batches, the task of each step, the settings, the loss and gradient norm
                                  (before clipping) at each step, torch's version.
Run: python3 tools/reference/models_multitask_golden.py
"""
import json
import os

import torch
from safetensors.torch import save_file
from transformers import (BertConfig, BertModel, BertForSequenceClassification, BertForTokenClassification,
                          get_linear_schedule_with_warmup)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "models", "multitask")
TAG_LABELS, CLS_LABELS = 5, 3
# The token head learns at 4 × lr, as a task's head_lr_multiplier puts it; the classifier's head at lr.
LR, WEIGHT_DECAY, TAG_MULTIPLIER, CLIP, WARMUP = 5e-3, 0.01, 4.0, 5.0, 2
# Each task idles between its steps (cls at 1, 4, 5, 7; tag at 2, 3, 6, 8); step 1 starts the tag head's step count late.
TASKS = ["cls", "tag", "tag", "cls", "cls", "tag", "cls", "tag"]

torch.manual_seed(20261202)
cfg = BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                 max_position_embeddings=16, type_vocab_size=2, layer_norm_eps=1e-12, hidden_dropout_prob=0.0,
                 attention_probs_dropout_prob=0.0, hidden_act="gelu", initializer_range=0.02, pad_token_id=0,
                 attn_implementation="eager")
base = BertModel(cfg, add_pooling_layer=True)
# Weights at a scale where attention and GELU are far from linear (as engine_golden.py draws them).
with torch.no_grad():
    for n, p in base.named_parameters():
        if "LayerNorm" in n:
            p.add_(0.1 * torch.randn_like(p))
        else:
            p.normal_(0, 0.2)
os.makedirs(OUT, exist_ok=True)
base.save_pretrained(OUT, safe_serialization=True)

tag = BertForTokenClassification.from_pretrained(OUT, num_labels=TAG_LABELS)
cls = BertForSequenceClassification.from_pretrained(OUT, num_labels=CLS_LABELS)
cls.bert.embeddings, cls.bert.encoder = tag.bert.embeddings, tag.bert.encoder  # one encoder, as xtreme_hf.py shares it
with torch.no_grad():
    for m in (tag, cls):
        m.classifier.weight.normal_(0, 0.3)
        m.classifier.bias.normal_(0, 0.1)


def names():
    """(Polyglot name, parameter) for every parameter once."""
    out = [(n.removeprefix("bert."), p) for n, p in tag.named_parameters() if n.startswith("bert.")]
    out += [("heads.tag.proj." + n.split(".")[-1], p) for n, p in tag.classifier.named_parameters()]
    out += [("heads.cls.dense." + n.split(".")[-1], p) for n, p in cls.bert.pooler.dense.named_parameters()]
    out += [("heads.cls.proj." + n.split(".")[-1], p) for n, p in cls.classifier.named_parameters()]
    return out


tensors = {f"init/{n}": p.detach().clone() for n, p in names() if n.startswith("heads.")}

# Batches: token tagging 3 × 7 (the second row padded after 5 tokens; -100 on [CLS], [SEP], padding and one
# continuation piece), sequence classification 4 × 6 (the last two rows padded).
tag_ids = torch.randint(5, cfg.vocab_size, (3, 7))
tag_mask = torch.ones(3, 7, dtype=torch.long)
tag_mask[1, 5:] = 0
tag_ids[:, 0] = 2
tag_ids[0, 6] = tag_ids[2, 6] = tag_ids[1, 4] = 3
tag_ids[1, 5:] = 0
tag_labels = torch.randint(0, TAG_LABELS, (3, 7))
tag_labels[:, 0] = -100
tag_labels[0, 6] = tag_labels[2, 6] = -100
tag_labels[1, 4:] = -100
tag_labels[2, 3] = -100
cls_ids = torch.randint(5, cfg.vocab_size, (4, 6))
cls_mask = torch.ones(4, 6, dtype=torch.long)
cls_mask[2, 4:] = 0
cls_mask[3, 3:] = 0
cls_ids[:, 0] = 2
cls_ids[0, 5] = cls_ids[1, 5] = cls_ids[2, 3] = cls_ids[3, 2] = 3
cls_ids[cls_mask == 0] = 0
cls_labels = torch.tensor([0, 2, 1, 2])
batches = {"tag": dict(input_ids=tag_ids, attention_mask=tag_mask, labels=tag_labels),
           "cls": dict(input_ids=cls_ids, attention_mask=cls_mask, labels=cls_labels)}
models = torch.nn.ModuleDict({"tag": tag, "cls": cls})


def groups():
    """xtreme_hf.parameter_groups: decay on all but biases and LayerNorm; above the encoder at the head's multiplier."""
    out = {}
    for n, p in names():
        decays = not (n.endswith(".bias") or "LayerNorm" in n)
        multiplier = TAG_MULTIPLIER if n.startswith("heads.tag.") else 1.0
        out.setdefault((multiplier, decays), []).append(p)
    return [{"params": ps, "lr": LR * m, "weight_decay": WEIGHT_DECAY if d else 0.0} for (m, d), ps in sorted(out.items())]


opt = torch.optim.AdamW(groups(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
sched = get_linear_schedule_with_warmup(opt, WARMUP, len(TASKS))
models.train()
losses, norms = [], []
for task in TASKS:
    loss = models[task](**batches[task]).loss
    loss.backward()
    norms.append(torch.nn.utils.clip_grad_norm_(models.parameters(), CLIP).item())
    losses.append(loss.item())
    opt.step()
    sched.step()
    opt.zero_grad(set_to_none=True)
for n, p in names():
    tensors[f"final/{n}"] = p.detach().clone().contiguous()
save_file({k: v.to(torch.float32).contiguous() for k, v in tensors.items()}, os.path.join(OUT, "golden.safetensors"))


def rows(t):
    return t.tolist()


meta = {"tasks": TASKS, "lr": LR, "weight_decay": WEIGHT_DECAY, "tag_multiplier": TAG_MULTIPLIER, "clip_norm": CLIP,
        "warmup_steps": WARMUP, "betas": [0.9, 0.999], "eps": 1e-8, "tag_labels": TAG_LABELS, "cls_labels": CLS_LABELS,
        "batches": {k: {kk: rows(vv) for kk, vv in v.items()} for k, v in batches.items()},
        "losses": losses, "grad_norms": norms, "torch": torch.__version__}
with open(os.path.join(OUT, "golden.json"), "w") as f:
    json.dump(meta, f, indent=1)
print("losses", " ".join(f"{x:.5f}" for x in losses))
print("gradient norms", " ".join(f"{x:.3f}" for x in norms), f"(clipped to {CLIP})")
