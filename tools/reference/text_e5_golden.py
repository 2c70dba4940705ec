"""Expected encodings from HF `tokenizers` for the Swift e5 (XLM-R vocabulary) tokenizer tests.

    python3 tools/reference/text_e5_golden.py [TOKENIZER_JSON]

TOKENIZER_JSON defaults to the tokenizer.json that ../shared/models/multilingual-e5-small-q4/to_hf.py
writes (it copies the one beside it): Sequence[Precompiled, Replace " {2,}" -> " "], Metaspace,
Unigram of 250,002 pieces, <s> … </s> template.

Writes Tests/Fixtures/text/e5/e5_golden.json. For every sentence of the SIB-200 text column
(train, dev, test), the UD PUD '# text = ' lines and every Tatoeba line (read with
text_common.read_lines, the rules the Swift tests use), per data file:
  sentences, ids (total count with special tokens), ids_sha256 (SHA-256 over, per sentence, the id
  count then the ids, all little-endian u32);
  id_hashes: base64 of the first 3 bytes of SHA-256(ids as little-endian u32) of each sentence;
  norm_hashes: the same for the Precompiled normalizer alone: SHA-256(normalized UTF-8, 0xFF, then
  for each normalized character its original byte range as two little-endian u32);
  detail: for the first 5 sentences, ids and byte offsets of the full encoding, and the Precompiled
  normalized text with each character's original byte range."""
import base64, glob, hashlib, json, os, struct, sys
sys.path.insert(0, os.path.dirname(__file__))
import tokenizers
from tokenizers import Tokenizer, Regex, normalizers, pre_tokenizers
from tokenizers.models import WordLevel
from text_common import data_root, read_lines

here = os.path.dirname(os.path.abspath(__file__))
out_dir = os.path.join(here, "../../Tests/Fixtures/text/e5")
root = data_root()
tok_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "../models/multilingual-e5-small-q4/tokenizer.json")
DETAIL = 5


def files():
    out = sorted(glob.glob(os.path.join(root, "sib200/annotated/*/*.tsv")))
    out += sorted(glob.glob(os.path.join(root, "ud/UD_*-PUD/*.conllu")))
    out += sorted(p for p in glob.glob(os.path.join(root, "tatoeba/tatoeba.*-eng.*")))
    return out


def sentences(path):
    lines = read_lines(path)
    if path.endswith(".tsv"):
        return [l.split("\t", 2)[2] for l in lines[1:]]
    if path.endswith(".conllu"):
        return [l[len("# text = "):] for l in lines if l.startswith("# text = ")]
    return lines


def byte_offsets(text, offsets):
    """Char offsets (what the Python binding returns) to UTF-8 byte offsets."""
    cb = [0]
    for ch in text:
        cb.append(cb[-1] + len(ch.encode("utf-8")))
    return [(cb[a], cb[b]) for a, b in offsets]


def u32(values):
    return struct.pack(f"<{len(values)}I", *values)


tok = Tokenizer.from_file(tok_path)
spec = json.load(open(tok_path, encoding="utf-8"))
charsmap = spec["normalizer"]["normalizers"][0]["precompiled_charsmap"]
# The Precompiled stage alone, one split per normalized character: each token's offsets are that
# character's original range.
per_char = Tokenizer(WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
per_char.normalizer = normalizers.Precompiled(base64.b64decode(charsmap))
per_char.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")

result = {
    "tokenizer_sha256": hashlib.sha256(open(tok_path, "rb").read()).hexdigest(),
    "tokenizers_version": tokenizers.__version__,
    "files": [],
}
total = 0
for path in files():
    rel = os.path.relpath(path, root)
    sents = sentences(path)
    encs = tok.encode_batch(sents)
    norms = [per_char.normalizer.normalize_str(s) for s in sents]
    chars = per_char.encode_batch(sents, add_special_tokens=False)
    whole = hashlib.sha256()
    id_hashes, norm_hashes, detail = bytearray(), bytearray(), []
    n_ids = 0
    for k, (s, e, nrm, ch) in enumerate(zip(sents, encs, norms, chars)):
        ids = e.ids
        n_ids += len(ids)
        whole.update(u32([len(ids)]) + u32(ids))
        id_hashes += hashlib.sha256(u32(ids)).digest()[:3]
        offs = byte_offsets(s, ch.offsets)
        assert len(offs) == len(nrm), (rel, k)
        flat = [v for pair in offs for v in pair]
        norm_hashes += hashlib.sha256(nrm.encode("utf-8") + b"\xff" + u32(flat)).digest()[:3]
        if k < DETAIL:
            detail.append({"index": k, "ids": ids, "offsets": byte_offsets(s, e.offsets),
                           "normalized": nrm, "normalized_offsets": offs})
    total += len(sents)
    result["files"].append({
        "path": rel, "sentences": len(sents), "ids": n_ids, "ids_sha256": whole.hexdigest(),
        "id_hashes": base64.b64encode(bytes(id_hashes)).decode(),
        "norm_hashes": base64.b64encode(bytes(norm_hashes)).decode(),
        "detail": detail,
    })
os.makedirs(out_dir, exist_ok=True)
out = os.path.join(out_dir, "e5_golden.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump(result, f, ensure_ascii=False, separators=(",", ":"))
    f.write("\n")
print(f"{len(result['files'])} files, {total} sentences, {os.path.getsize(out)} bytes -> {out}")
