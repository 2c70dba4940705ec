"""Expected ids from HF `tokenizers` for the Swift parity tests.

  text_hf_parity.py minilm   -> Tests/Fixtures/text/minilm_{sib_dev,pud,tatoeba}.ids
  text_hf_parity.py unigram  -> Tests/Fixtures/text/unigram_{sib_dev,pud,tatoeba}.ids, loading the
                                Polyglot-written Tests/Fixtures/text/unigram16k/tokenizer.json

Each line: source file (relative to the data root) TAB sentence index TAB ids (no special tokens
for Unigram; with [CLS]/[SEP] for MiniLM, as the tokenizer.json's post-processor adds them)."""
import os, sys
sys.path.insert(0, os.path.dirname(__file__))
from tokenizers import Tokenizer
from text_common import data_root, sib_sentences, pud_sentences, tatoeba_sentences

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "../../Tests/Fixtures/text")
root = data_root()
which = sys.argv[1]
if which == "minilm":
    tok = Tokenizer.from_file(os.path.join(root, "../models/all-MiniLM-L6-v2/tokenizer.json"))
    tok.no_truncation(); tok.no_padding(); special = True
else:
    tok = Tokenizer.from_file(os.path.join(fixtures, "unigram16k/tokenizer.json")); special = False
sets = {"sib_dev": sib_sentences(root, "dev"),
        "pud": pud_sentences(root, 400), "tatoeba": tatoeba_sentences(root, 250)}
for name, sents in sets.items():
    encs = tok.encode_batch([s for _, _, s in sents], add_special_tokens=special)
    with open(os.path.join(fixtures, f"{which}_{name}.ids"), "w", encoding="utf-8") as f:
        for (rel, i, _), e in zip(sents, encs):
            f.write(f"{rel}\t{i}\t{' '.join(map(str, e.ids))}\n")
    print(name, len(sents), os.path.getsize(os.path.join(fixtures, f"{which}_{name}.ids")))
