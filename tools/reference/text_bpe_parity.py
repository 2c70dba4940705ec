"""Expected ids from HF `tokenizers` for the Swift BPE parity test.

Loads the Polyglot-trained BPE tokenizer Tests/Fixtures/text/bpe/tokenizer.json (written by
`polyglot tokenizer train --algorithm bpe --vocab-size 6000` on the SIB-200 train text of eng, deu,
rus, tha, zho, hin, arb, kor) and writes Tests/Fixtures/text/bpe/sib_dev.ids: the SIB-200 dev
sentences of those languages plus jpn and ell (scripts partly or wholly outside the training text,
so byte fallback is exercised). Each line: source file (relative to the data root) TAB sentence
index TAB ids (no special tokens)."""
import os, sys
sys.path.insert(0, os.path.dirname(__file__))
from tokenizers import Tokenizer
from text_common import data_root, sib_sentences

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "../../Tests/Fixtures/text/bpe")
languages = ["eng_Latn", "deu_Latn", "rus_Cyrl", "tha_Thai", "zho_Hans", "hin_Deva", "arb_Arab", "kor_Hang", "jpn_Jpan", "ell_Grek"]
tok = Tokenizer.from_file(os.path.join(fixtures, "tokenizer.json"))
sents = [s for s in sib_sentences(data_root(), "dev") if s[0].split("/")[2] in languages]
encs = tok.encode_batch([s for _, _, s in sents], add_special_tokens=False)
out = os.path.join(fixtures, "sib_dev.ids")
with open(out, "w", encoding="utf-8") as f:
    for (rel, i, _), e in zip(sents, encs):
        f.write(f"{rel}\t{i}\t{' '.join(map(str, e.ids))}\n")
print(len(sents), os.path.getsize(out))
