"""Tokenizer families for the Swift parity tests (Tests/TextTests/FamilyParityTests.swift): small
tokenizer.json files in the layout of real XLM-R, ALBERT, T5, CamemBERT, SentencePiece-BPE (generic
and Llama), RoBERTa and multilingual BERT checkpoints, plus hand-built files for the remaining
`tokenizers` stages, each with the outputs of HF `tokenizers` on a fixed set of inputs.

Everything is built offline: SentencePiece and `tokenizers` models are trained here on SIB-200
training sentences (the first 300 of each language's train.tsv), so no checkpoint is downloaded.
Test inputs are unseen sentences (SIB-200 test.tsv, UD PUD, Tatoeba) plus hand-written edge cases.

Regenerate (from the repository root; the golden files record the versions used; these were made
with tokenizers 0.23.3, transformers 5.24.0, sentencepiece 0.2.3, protobuf installed for the
SentencePiece model proto):

    POLYGLOT_DATA_ROOT=../shared/data python3 tools/reference/text_families.py build

writes into Tests/Fixtures/text/families/:
  inputs.json              the texts (with their source), the pairs and the truncation cases
  <family>.tokenizer.json  one tokenizer per family
  <family>.golden.json     HF's encodings of every input, pair and truncation case

Check a folder of tokenizer.json files written by another implementation (e.g. Polyglot's
`save(to:)`, which the Swift tests write to $POLYGLOT_FAMILY_SAVE_DIR when it is set) against the
committed golden outputs, loading each with HF `tokenizers`:

    python3 tools/reference/text_families.py verify DIR

How the families are made:
  - SentencePiece families: `sentencepiece` trains a Unigram or BPE .model; the converter classes of
    `transformers.convert_slow_tokenizer` (XLMRobertaConverter, AlbertConverter, CamembertConverter,
    LlamaConverter, SpmConverter.build_tokenizer_from_spm_proto) turn it into a `tokenizers` pipeline.
    transformers 5 has no SentencePiece-backed ("slow") classes any more, so the converters get a
    small stand-in object with the attributes they read (vocab_file, convert_tokens_to_ids, the
    class options). The result is wrapped in `PreTrainedTokenizerFast` with the model's special
    tokens, as the fast classes did (e.g. <mask> with lstrip), and saved. T5 is built with
    transformers 5's own T5Tokenizer class from the .model's pieces and normalization map
    (Precompiled, WhitespaceSplit + Metaspace), as its from_pretrained does for a spiece.model.
  - RoBERTa: `tokenizers`' ByteLevelBPETokenizer + RobertaProcessing(trim_offsets).
  - mBERT: `tokenizers`' BertWordPieceTokenizer(lowercase=False, strip_accents=False).
  - handmade_*: pipelines assembled from `tokenizers` components, models trained by its trainers.

Reproducibility: the SentencePiece-trained files (and RoBERTa's) come out byte for byte the same on
every run; the ones trained by `tokenizers`' WordPiece/BPE/Unigram trainers (mbert, handmade_*) do
not (ties between equal counts fall in hash order, Unigram scores move in the last bits), so a file
and its golden outputs are only ever written together. Golden format (compact JSON, one record per
encoding; lists that follow from the others are left out): i (index into inputs.json's texts, pairs
or truncation cases), ids, off (scalar offsets, flattened start/end), types (absent: all 0), special
(positions where special_tokens_mask is 1), words (-1: none), seq (absent: -1 at `special`, else 0),
attention (only where padding), dec / decAll (decode skipping / keeping special tokens; decAll for
edge cases and pairs), ids0 (without special tokens; absent: ids outside `special`). The converted
families get every input; the hand-built ones the edge cases, every eighth sentence and the pairs
and truncations with an edge case.

Avoided on purpose: max_length below the number of template tokens (HF then returns the encoding
untruncated) and a Strip decoder that strips from the right after Fuse (HF panics on an empty decode).

Offsets are Unicode scalar (code point) offsets into the original text, as HF Python returns them.
"""
import glob, importlib, io, json, os, sys, tempfile

sys.path.insert(0, os.path.dirname(__file__))
from text_common import data_root, read_lines, pud_sentences, tatoeba_sentences

import sentencepiece as spm
import tokenizers, transformers
from sentencepiece import sentencepiece_model_pb2 as sp_pb
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

convert = importlib.import_module("transformers.convert_slow_tokenizer")

here = os.path.dirname(os.path.abspath(__file__))
out_dir = os.path.normpath(os.path.join(here, "../../Tests/Fixtures/text/families"))

# MARK: inputs

EDGE_CASES = [
    "", " ", "   ", "\t", "\n",
    "a  b   c    d", "  leading and trailing  ", "tab\tseparated\tvalues", "line one\nline two\r\nline three",
    "e\u0301cole cafe\u0301 A\u030angstro\u0308m", "\u00c5ngstr\u00f6m na\u00efve fa\u00e7ade",
    "I \u2764\ufe0f \U0001F355 \U0001F469\u200d\U0001F469\u200d\U0001F467 \U0001F1EB\U0001F1F7 \U0001F44D\U0001F3FD",
    "\u6771\u4eac\u306f\u65e5\u672c\u306e\u9996\u90fd\u3067\u3059\u3002\u5317\u4eac\u3068\u4e0a\u6d77",
    "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22\u0e44\u0e21\u0e48\u0e21\u0e35\u0e0a\u0e48\u0e2d\u0e07\u0e27\u0e48\u0e32\u0e07",
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 123 \u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd (RTL)",
    "\u0915\u094d\u200d\u0937 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 zero\u200bwidth \ufeffbom",
    "<s> hello </s>", "a <mask> b", "x<mask>y", "<mask>", " <mask> ", "[CLS] [SEP] [MASK] [PAD] [UNK]",
    "<pad><unk></s>", "<extra_id_0> fill <extra_id_1>", "new york city", "a <br> b<br>c",
    "\uff21\uff22\uff23\uff11\uff12\uff13 \ufb01ne \u2026 \u00a0nbsp\u00a0 \u6771\u4eac\u3000\u5927\u962a",
    "\u201cquotes\u201d ``latex'' it\u2019s don't",
    "1,000,000 and 3.14 or 2024-01-01; 0123456789",
    "Hello, World!!! ... (really?) [yes] {no}",
    "https://example.com/path?query=1&x=y#frag user@example.org",
    "\u214f \ua66e \U00013000 \u2603 \u0c85 \U0001D54F",
    "a\u0007b\u0000c",
    "supercalifragilisticexpialidocious" * 3,
    "ALL CAPS TEXT \u0130stanbul \u0131l\u0131k Stra\u00dfe \u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3",
    "\uc548\ub155\ud558\uc138\uc694 \uc138\uacc4 \u3053\u3093\u306b\u3061\u306f\u4e16\u754c \u0928\u092e\u0938\u094d\u0924\u0947",
    "aaaaaaaaaaaaaaaaaaaa", "\n\n\n", "   \t\n  ", "\u2581already\u2581marked \u0120G",
]

N_SIB, N_PUD, N_TATOEBA = 1, 1, 1

def inputs(root):
    texts = []
    for d in sorted(glob.glob(os.path.join(root, "sib200/annotated/*"))):
        path = os.path.join(d, "test.tsv")
        rel = os.path.relpath(path, root)
        for i, line in enumerate(read_lines(path)[1:][:N_SIB]):
            texts.append({"src": f"{rel}#{i}", "text": line.split("\t", 2)[2]})
    texts += [{"src": f"{rel}#{i}", "text": t} for rel, i, t in pud_sentences(root, N_PUD)]
    texts += [{"src": f"{rel}#{i}", "text": t} for rel, i, t in tatoeba_sentences(root, N_TATOEBA)]
    first_edge = len(texts)
    texts += [{"src": f"edge#{k}", "text": t} for k, t in enumerate(EDGE_CASES)]
    by_src = {t["src"]: k for k, t in enumerate(texts)}
    # Pairs: parallel SIB rows across languages, a (short) Tatoeba sentence with an edge case, edge cases together.
    sib = [k for k, t in enumerate(texts) if t["src"].startswith("sib200/")]
    pairs = [[sib[k], sib[(k + 7) % len(sib)]] for k in range(0, len(sib), 5)]
    tatoeba = [k for k, t in enumerate(texts) if t["src"].startswith("tatoeba/")]
    pairs += [[tatoeba[k % len(tatoeba)], first_edge + k] for k in range(0, len(EDGE_CASES), 4)]
    pairs += [[first_edge + k, first_edge + (k + 1) % len(EDGE_CASES)] for k in range(1, len(EDGE_CASES), 6)]
    # Truncation: (max_length, first, second or -1); small budgets, both sequences long or one short.
    trunc = [[L, sib[k], -1] for L, k in [(3, 0), (2, 3), (5, 6), (8, 9), (16, 12), (33, 15)]]
    trunc += [[L, sib[k], sib[k + 1]] for L, k in [(4, 1), (9, 4), (12, 7), (17, 10), (25, 13)]]
    trunc += [[10, sib[2], first_edge + 2], [10, first_edge + 5, sib[5]], [6, first_edge + 0, first_edge + 0]]
    return {"texts": texts, "pairs": pairs, "truncation": trunc}

def training_text(root, languages=None, per_language=300):
    text = []
    for d in sorted(glob.glob(os.path.join(root, "sib200/annotated/*"))):
        if languages and os.path.basename(d) not in languages:
            continue
        text += [l.split("\t", 2)[2] for l in read_lines(os.path.join(d, "train.tsv"))[1:][:per_language]]
    return text

# MARK: SentencePiece families

# A small normalization map (instead of nmt_nfkc, ~300 KB per file): full-width ASCII, NBSP and
# ideographic space, ellipsis, the fi ligature, A + combining ring -> Å, tab -> space, ZWSP removed.
SMALL_RULES = [f"{0xFF01 + i:X}\t{0x21 + i:X}" for i in range(94)] + [
    "A0\t20", "3000\t20", "2026\t2E 2E 2E", "FB01\t66 69", "41 30A\tC5", "9\t20", "200B\t"]

def train_spm(text, tmp, name, **kw):
    rules = kw.pop("rules", None)
    if rules is not None:
        path = os.path.join(tmp, name + ".tsv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(rules) + "\n")
        kw["normalization_rule_tsv"] = path
    buf = io.BytesIO()
    kw.setdefault("character_coverage", 0.98)
    spm.SentencePieceTrainer.train(sentence_iterator=iter(text), model_writer=buf,
                                   hard_vocab_limit=False, num_threads=1, minloglevel=2, **kw)
    path = os.path.join(tmp, name + ".model")
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    proto = sp_pb.ModelProto()
    proto.ParseFromString(buf.getvalue())
    return path, proto

class SlowStandIn:
    """The attributes transformers' converters read from a SentencePiece-backed tokenizer."""
    def __init__(self, vocab_file, ids, **options):
        self.vocab_file = vocab_file
        self._ids = ids
        self.__dict__.update(options)
    def convert_tokens_to_ids(self, token):
        return self._ids[token]
    def convert_ids_to_tokens(self, i):
        return {v: k for k, v in self._ids.items()}[i]

def wrap(backend, **special):
    """What the fast class does around the converted pipeline: register its special tokens."""
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=backend, **special)
    return fast.backend_tokenizer

def mask(token):
    return AddedToken(token, lstrip=True, rstrip=False, normalized=False, special=True)

def build_xlmr(text, tmp):
    path, proto = train_spm(text, tmp, "xlmr", vocab_size=1500, model_type="unigram", normalization_rule_name="nmt_nfkc",
                            unk_id=0, bos_id=1, eos_id=2, pad_id=-1)
    t = convert.XLMRobertaConverter(SlowStandIn(path, {"<s>": 0, "</s>": 2})).converted()
    return wrap(t, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>", unk_token="<unk>",
                pad_token="<pad>", mask_token=mask("<mask>"))

def build_albert(text, tmp):
    path, proto = train_spm(text, tmp, "albert", vocab_size=1200, model_type="unigram", rules=SMALL_RULES,
                            pad_id=0, unk_id=1, bos_id=-1, eos_id=-1, control_symbols=["[CLS]", "[SEP]", "[MASK]"])
    t = convert.AlbertConverter(SlowStandIn(path, {"[CLS]": 2, "[SEP]": 3}, keep_accents=False, do_lower_case=True)).converted()
    return wrap(t, unk_token="<unk>", sep_token="[SEP]", pad_token="<pad>", cls_token="[CLS]", mask_token=mask("[MASK]"))

def build_camembert(text, tmp):
    path, proto = train_spm(text, tmp, "camembert", vocab_size=1200, model_type="unigram", rules=SMALL_RULES,
                            unk_id=0, bos_id=1, eos_id=2, pad_id=-1)
    # CamembertConverter: 5 fixed pieces, then the model's pieces from index 1 (<s> at 5, </s> at 6).
    t = convert.CamembertConverter(SlowStandIn(path, {"<s>": 5, "</s>": 6})).converted()
    return wrap(t, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>", unk_token="<unk>",
                pad_token="<pad>", mask_token=mask("<mask>"),
                additional_special_tokens=["<s>NOTUSED", "</s>NOTUSED", "<unk>NOTUSED"])

def build_t5(text, tmp):
    path, proto = train_spm(text, tmp, "t5", vocab_size=1200, model_type="unigram", normalization_rule_name="nmt_nfkc",
                            pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    extra = 8
    vocab = [(p.piece, p.score) for p in proto.pieces] + [(f"<extra_id_{i}>", 0.0) for i in range(extra - 1, -1, -1)]
    charsmap = proto.normalizer_spec.precompiled_charsmap
    t = transformers.T5Tokenizer(vocab=vocab, _spm_precompiled_charsmap=charsmap, extra_ids=extra)
    return t.backend_tokenizer

def spm_bpe_model(text, tmp):
    return train_spm(text, tmp, "spm_bpe", vocab_size=1600, model_type="bpe", normalization_rule_name="identity",
                     byte_fallback=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1, user_defined_symbols=["<br>"])

def llama_template(t):
    t.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s>:1 $B:1",
                                                     special_tokens=[("<s>", t.token_to_id("<s>"))])
    return t

def build_spm_bpe(text, tmp):
    path, proto = spm_bpe_model(text, tmp)
    vocab = {p.piece: i for i, p in enumerate(proto.pieces)}
    t = convert.SpmConverter.build_tokenizer_from_spm_proto(proto, vocab, merges=None, legacy=False)
    t.add_special_tokens([AddedToken(p.piece, normalized=False, special=True) for p in proto.pieces if p.type in (2, 3)])
    return llama_template(t)

class LlamaBPEConverter(convert.LlamaConverter):
    """transformers 5.24's SpmConverter.tokenizer passes the vocabulary where SentencePieceExtractor.extract
    now takes the model class (and expects a tuple back); this extractor keeps the older contract."""
    class SpmExtractor(convert.SentencePieceExtractor):
        def extract(self, vocab_scores=None):
            kw = super().extract(models.BPE)
            return kw["vocab"], kw["merges"]

def build_llama(text, tmp):
    path, proto = spm_bpe_model(text, tmp)
    t = LlamaBPEConverter(SlowStandIn(path, {"<unk>": 0, "<s>": 1, "</s>": 2}, legacy=True, add_prefix_space=True)).converted()
    return llama_template(wrap(t, bos_token="<s>", eos_token="</s>", unk_token="<unk>"))

# MARK: `tokenizers` families

def build_roberta(text, tmp):
    from tokenizers import ByteLevelBPETokenizer
    b = ByteLevelBPETokenizer(add_prefix_space=False, trim_offsets=True)
    b.train_from_iterator(text, vocab_size=1000, min_frequency=2, show_progress=False,
                          special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    t = Tokenizer.from_str(b._tokenizer.to_str())
    t.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True, add_prefix_space=False)
    return wrap(t, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>", unk_token="<unk>",
                pad_token="<pad>", mask_token=mask("<mask>"))

def build_mbert(text, tmp):
    from tokenizers import BertWordPieceTokenizer
    b = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    b.train_from_iterator(text, vocab_size=2000, min_frequency=2, limit_alphabet=600, show_progress=False)
    t = wrap(Tokenizer.from_str(b._tokenizer.to_str()), unk_token="[UNK]", sep_token="[SEP]", pad_token="[PAD]",
             cls_token="[CLS]", mask_token="[MASK]")
    # BertWordPieceTokenizer only sets its post-processor when built from a vocabulary, not when trained.
    t.post_processor = processors.BertProcessing(("[SEP]", t.token_to_id("[SEP]")), ("[CLS]", t.token_to_id("[CLS]")))
    return t

def train(t, text, trainer):
    t.train_from_iterator(text, trainer=trainer)
    return t

# `tokenizers`' Unigram trainer keeps every character it sees, so the hand-built Unigram models learn
# from a few languages (the others' characters are unknown to them, which the tests want too).
UNIGRAM_LANGUAGES = ("deu_Latn", "ell_Grek", "eng_Latn", "fin_Latn", "fra_Latn", "rus_Cyrl", "spa_Latn", "tur_Latn")

def few_languages(text):
    return training_text(data_root(), UNIGRAM_LANGUAGES)

def build_handmade_wordpiece(text, tmp):
    # NFC, string and regex Replace, Lowercase; WhitespaceSplit + Punctuation + single digits; typed pair template.
    t = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=24))
    t.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Replace("\u2019", "'"),
                                         normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation("isolated"),
                                               pre_tokenizers.Digits(individual_digits=True)])
    train(t, text, trainers.WordPieceTrainer(vocab_size=800, limit_alphabet=300, show_progress=False,
                                             special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    t.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                     special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    t.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    t.add_special_tokens([AddedToken("[MASK]", lstrip=True, rstrip=True, special=True, normalized=False)])
    # Non-special added tokens: one matched after normalization and only as a whole word, one on raw text.
    t.add_tokens([AddedToken("new york", single_word=True, normalized=True, special=False),
                  AddedToken("<br>", normalized=False, special=False, rstrip=True)])
    t.enable_truncation(max_length=48, strategy="longest_first", direction="right")
    return t

def build_handmade_padding(text, tmp):
    # The same pipeline with a fixed-length padding section (and truncation to the same length).
    t = build_handmade_wordpiece(text, tmp)
    t.enable_truncation(max_length=24)
    t.enable_padding(direction="right", pad_id=0, pad_type_id=0, pad_token="[PAD]", length=24)
    return t

def build_handmade_bpe_suffix(text, tmp):
    # NFKC + Strip; Whitespace; BPE with end_of_word_suffix; BPEDecoder; merges stored as "a b" strings.
    t = Tokenizer(models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"))
    t.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Strip(left=True, right=True)])
    t.pre_tokenizer = pre_tokenizers.Whitespace()
    train(t, text, trainers.BpeTrainer(vocab_size=700, min_frequency=2, limit_alphabet=250, end_of_word_suffix="</w>",
                                       show_progress=False, special_tokens=["<unk>", "<s>", "</s>", "<pad>"]))
    t.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s>:0 $A:0 </s>:0 <s>:1 $B:1 </s>:1",
                                                     special_tokens=[("<s>", 1), ("</s>", 2)])
    t.decoder = decoders.BPEDecoder(suffix="</w>")
    t.add_tokens([AddedToken("hello", single_word=True, normalized=True, special=False)])
    t.add_special_tokens([AddedToken("<mask>", lstrip=False, rstrip=True, special=True, normalized=False)])
    return t

def mask_lstrip(obj):
    """RobertaTokenizerFast's <mask> takes the space before it (ByteLevelBPETokenizer added it plainly)."""
    for t in obj["added_tokens"]:
        if t["content"] == "<mask>":
            t["lstrip"] = True
    return obj

def merges_as_strings(obj):
    obj["model"]["merges"] = [" ".join(m) for m in obj["model"]["merges"]]
    return obj

def build_handmade_bpe_prefix(text, tmp):
    # NFD + StripAccents + Lowercase + regex Replace; Split with every behaviour; BPE with
    # continuing_subword_prefix and ignore_merges; WordPiece decoder; no post-processor.
    t = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", ignore_merges=True))
    t.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase(),
                                         normalizers.Replace(Regex(r"[0-9]{2,}"), "00")])
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\s+"), behavior="removed"),
        pre_tokenizers.Split(Regex(r"[,.!?;:]"), behavior="merged_with_previous"),
        pre_tokenizers.Split("-", behavior="merged_with_next"),
        pre_tokenizers.Split(Regex(r"0"), behavior="contiguous"),
        pre_tokenizers.Split(Regex(r"[()\[\]{}\"'«»]"), behavior="isolated")])
    train(t, text, trainers.BpeTrainer(vocab_size=700, min_frequency=2, limit_alphabet=250, continuing_subword_prefix="##",
                                       show_progress=False, special_tokens=["[UNK]", "[SEP]"]))
    t.decoder = decoders.WordPiece(prefix="##", cleanup=False)
    t.add_special_tokens([AddedToken("[SEP]", special=True, normalized=False)])
    return t

def build_handmade_split(text, tmp):
    # Split on a string (removed), inverted regex (isolated), Punctuation(merged_with_next); Unigram;
    # Replace + Fuse + Strip decoders; added tokens normalized/special variations.
    t = Tokenizer(models.Unigram())
    t.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(" ", "_")])
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split("_", behavior="merged_with_next"),
        pre_tokenizers.Split(Regex(r"[\p{L}\p{M}_]+"), behavior="isolated", invert=True),
        pre_tokenizers.Punctuation("merged_with_next")])
    train(t, few_languages(text), trainers.UnigramTrainer(vocab_size=600, unk_token="<unk>", show_progress=False,
                                                          special_tokens=["<unk>", "<cls>", "<sep>"]))
    t.post_processor = processors.TemplateProcessing(single="$A:0 <sep>:0 <cls>:2", pair="$A:0 <sep>:0 $B:1 <sep>:1 <cls>:2",
                                                     special_tokens=[("<cls>", 1), ("<sep>", 2)])
    t.decoder = decoders.Sequence([decoders.Replace("_", " "), decoders.Fuse(), decoders.Strip(content=" ", left=1, right=0)])
    t.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=True, special=True, normalized=True)])
    t.add_tokens([AddedToken("ＡＢＣ", normalized=True, special=False), AddedToken("<s>", normalized=False, special=False, single_word=True)])
    return t

def build_handmade_scripts(text, tmp):
    # Regex Replace of format characters, Prepend; UnicodeScripts + Digits(groups); Unigram; Metaspace decoder.
    t = Tokenizer(models.Unigram())
    t.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.Replace(Regex(r"\p{Cf}"), ""),
                                         normalizers.Replace(" ", "\u2581"), normalizers.Prepend("\u2581")])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.UnicodeScripts(), pre_tokenizers.Digits(individual_digits=False)])
    train(t, few_languages(text), trainers.UnigramTrainer(vocab_size=600, unk_token="<unk>", show_progress=False,
                                                          special_tokens=["<unk>", "<s>", "</s>"]))
    t.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> $B:1 </s>:1",
                                                     special_tokens=[("<s>", 1), ("</s>", 2)])
    t.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    t.add_special_tokens([AddedToken("<mask>", single_word=True, special=True, normalized=False)])
    return t

def metaspace_unigram(text, scheme, split):
    t = Tokenizer(models.Unigram())
    t.normalizer = normalizers.NFC()
    t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme=scheme, split=split)
    train(t, few_languages(text), trainers.UnigramTrainer(vocab_size=500, unk_token="<unk>", show_progress=False,
                                                          special_tokens=["<unk>", "<s>", "</s>"]))
    t.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme=scheme, split=split)
    t.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B:1 </s>:1", special_tokens=[("</s>", 2)])
    return t

def build_handmade_metaspace_first(text, tmp): return metaspace_unigram(text, "first", True)
def build_handmade_metaspace_never(text, tmp): return metaspace_unigram(text, "never", True)
def build_handmade_metaspace_nosplit(text, tmp): return metaspace_unigram(text, "always", False)

FAMILIES = {
    # name: (builder, what it exercises, JSON rewrite)
    "xlmr": (build_xlmr, "XLMRobertaConverter: Precompiled(nmt_nfkc)+Strip+Replace, Metaspace, Unigram, <s>/</s> template, <mask> lstrip", None),
    "albert": (build_albert, "AlbertConverter: Replace/NFKD/StripAccents/Lowercase/Precompiled(small map)/Replace, Metaspace, Unigram, [CLS]/[SEP] typed template", None),
    "t5": (build_t5, "transformers 5 T5Tokenizer: Precompiled(nmt_nfkc), WhitespaceSplit+Metaspace, Unigram, $A </s> template, <extra_id_*>", None),
    "camembert": (build_camembert, "CamembertConverter: <s>NOTUSED pieces, Precompiled(small map)+Strip+Replace, Metaspace, Unigram", None),
    "spm_bpe": (build_spm_bpe, "SpmConverter.build_tokenizer_from_spm_proto on a BPE .model: Replace normalizers, Metaspace(first, no split)+Split(user symbol), BPE byte_fallback ignore_merges, Replace/ByteFallback/Fuse/Strip decoders", None),
    "llama": (build_llama, "LlamaConverter (legacy): Prepend+Replace normalizers, no pre-tokenizer, BPE byte_fallback, Replace/ByteFallback/Fuse/Strip decoders, <s> template", None),
    "roberta": (build_roberta, "ByteLevel BPE: ByteLevel pre-tokenizer and decoder, RobertaProcessing(trim_offsets), <mask> lstrip", mask_lstrip),
    "mbert": (build_mbert, "BertWordPieceTokenizer(lowercase=False, strip_accents=False): BertNormalizer, BertPreTokenizer, WordPiece, BertProcessing", None),
    "handmade_wordpiece": (build_handmade_wordpiece, "NFC, Replace string+regex, Lowercase, WhitespaceSplit, Punctuation(isolated), Digits(individual), WordPiece, typed pair template, added tokens (lstrip/rstrip, single_word normalized, rstrip raw), truncation section", None),
    "handmade_padding": (build_handmade_padding, "handmade_wordpiece with a fixed-length padding section", None),
    "handmade_bpe_suffix": (build_handmade_bpe_suffix, "NFKC, Strip, Whitespace, BPE end_of_word_suffix with merges as strings, BPEDecoder, typed template, single_word added token", merges_as_strings),
    "handmade_bpe_prefix": (build_handmade_bpe_prefix, "NFD, StripAccents, Lowercase, Replace regex, Split removed/merged_with_previous/merged_with_next/contiguous/isolated, BPE continuing_subword_prefix+ignore_merges, WordPiece decoder, no post-processor", None),
    "handmade_split": (build_handmade_split, "NFKC, Replace string, Split string and inverted regex, Punctuation(merged_with_next), Unigram, template with type id 2, Replace/Fuse/Strip decoders, normalized added tokens", None),
    "handmade_scripts": (build_handmade_scripts, "NFKD, Replace regex \\p{Cf}, Replace, Prepend, UnicodeScripts, Digits(grouped), Unigram, Metaspace decoder, single_word special token", None),
    "handmade_metaspace_first": (build_handmade_metaspace_first, "NFC, Metaspace prepend_scheme=first, Unigram, Metaspace decoder", None),
    "handmade_metaspace_never": (build_handmade_metaspace_never, "NFC, Metaspace prepend_scheme=never, Unigram, Metaspace decoder", None),
    "handmade_metaspace_nosplit": (build_handmade_metaspace_nosplit, "NFC, Metaspace split=false, Unigram, Metaspace decoder", None),
}

# MARK: golden outputs

def record(enc, tok, pair, index, edge):
    """One encoding, compactly: lists are omitted where they follow from the others (see the Swift test)."""
    r = {"i": index, "ids": enc.ids, "off": [x for o in enc.offsets for x in o]}
    if any(enc.type_ids):
        r["types"] = enc.type_ids
    special = [k for k, m in enumerate(enc.special_tokens_mask) if m]
    if special:
        r["special"] = special
    r["words"] = [-1 if w is None else w for w in enc.word_ids]
    seq = [-1 if s is None else s for s in enc.sequence_ids]
    if seq != [-1 if m else 0 for m in enc.special_tokens_mask]:
        r["seq"] = seq
    if 0 in enc.attention_mask:
        r["attention"] = enc.attention_mask
    r["dec"] = tok.decode(enc.ids, skip_special_tokens=True)
    if edge or pair:
        r["decAll"] = tok.decode(enc.ids, skip_special_tokens=False)
    return r

def with_plain(r, plain):
    """The ids without special tokens, kept only where they are not the ids outside `special`."""
    implied = [x for k, x in enumerate(r["ids"]) if k not in set(r.get("special", []))]
    if plain.ids != implied:
        r["ids0"] = plain.ids
    return r

def selection(inp, family):
    """Every input for the converted families; the hand-built ones (which exercise single stages) get
    the edge cases, every eighth sentence and the pairs and truncations that involve edge cases."""
    texts = inp["texts"]
    edge = [t["src"].startswith("edge#") for t in texts]
    if not family.startswith("handmade_"):
        return list(range(len(texts))), list(range(len(inp["pairs"]))), list(range(len(inp["truncation"]))), edge
    singles = [k for k in range(len(texts)) if edge[k] or k % 8 == 0]
    pairs = [k for k, (a, b) in enumerate(inp["pairs"]) if edge[a] or edge[b] or k == 0]
    trunc = [k for k, (L, a, b) in enumerate(inp["truncation"]) if edge[a] or (b >= 0 and edge[b]) or k % 3 == 0]
    return singles, pairs, trunc, edge

def golden(tok, inp, family):
    texts = [t["text"] for t in inp["texts"]]
    singles, pair_sel, trunc_sel, edge = selection(inp, family)
    out = {"single": [], "pairs": [], "truncation": []}
    for i in singles:
        r = record(tok.encode(texts[i], add_special_tokens=True), tok, False, i, edge[i])
        out["single"].append(with_plain(r, tok.encode(texts[i], add_special_tokens=False)))
    for i in pair_sel:
        a, b = inp["pairs"][i]
        r = record(tok.encode(texts[a], texts[b], add_special_tokens=True), tok, True, i, True)
        out["pairs"].append(with_plain(r, tok.encode(texts[a], texts[b], add_special_tokens=False)))
    # Truncation cases only for files without their own truncation/padding section.
    if tok.truncation is None and tok.padding is None:
        t = Tokenizer.from_str(tok.to_str())
        for i in trunc_sel:
            L, a, b = inp["truncation"][i]
            t.enable_truncation(max_length=L)
            enc = t.encode(texts[a], add_special_tokens=True) if b < 0 else t.encode(texts[a], texts[b], add_special_tokens=True)
            out["truncation"].append(record(enc, t, b >= 0, i, edge[a]))
    return out

def versions():
    import google.protobuf
    return {"tokenizers": tokenizers.__version__, "transformers": transformers.__version__,
            "sentencepiece": spm.__version__, "protobuf": google.protobuf.__version__, "python": sys.version.split()[0]}

def compact_json(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)

def build(only=None):
    root = data_root()
    os.makedirs(out_dir, exist_ok=True)
    inp = inputs(root)
    write(os.path.join(out_dir, "inputs.json"), json.dumps(inp, ensure_ascii=False, indent=0) + "\n")
    text = training_text(root)
    with tempfile.TemporaryDirectory(prefix="text-families-") as tmp:
        for name, (builder, what, rewrite) in FAMILIES.items():
            if only and name not in only:
                continue
            backend = builder(text, tmp)
            obj = json.loads(backend.to_str())
            if rewrite:
                obj = rewrite(obj)
            data = compact_json(obj)
            tok = Tokenizer.from_str(data)  # the golden outputs come from the file as written
            write(os.path.join(out_dir, f"{name}.tokenizer.json"), data)
            g = {"family": name, "tokenizer": f"{name}.tokenizer.json", "exercises": what, "versions": versions(),
                 "vocab_size": tok.get_vocab_size()}
            g.update(golden(tok, inp, name))
            write(os.path.join(out_dir, f"{name}.golden.json"), compact_json(g) + "\n")
            sizes = [os.path.getsize(os.path.join(out_dir, f"{name}.{k}.json")) for k in ("tokenizer", "golden")]
            print(f"{name}: vocab {tok.get_vocab_size()}, tokenizer.json {sizes[0]} B, golden {sizes[1]} B")

def first_difference(a, b, path=""):
    if type(a) != type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: only in {'golden' if k in a else 'the checked file'}"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
    elif isinstance(a, list):
        for k, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{k}]")
            if d:
                return d
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
    elif a != b:
        return f"{path}: {a!r} != {b!r}"
    return None

def verify(folder):
    with open(os.path.join(out_dir, "inputs.json"), encoding="utf-8") as f:
        inp = json.load(f)
    failed = checked = 0
    for gpath in sorted(glob.glob(os.path.join(out_dir, "*.golden.json"))):
        with open(gpath, encoding="utf-8") as f:
            g = json.load(f)
        path = os.path.join(folder, g["tokenizer"])
        if not os.path.exists(path):
            print(f"{g['family']}: no {g['tokenizer']} in {folder}")
            continue
        checked += 1
        try:
            tok = Tokenizer.from_file(path)
            mine = golden(tok, inp, g["family"])
        except Exception as e:
            failed += 1
            print(f"{g['family']}: HF cannot use the file: {e}")
            continue
        diff = None
        for part in ("single", "pairs", "truncation"):
            # A file without a truncation section still has to match the golden truncation cases.
            if part == "truncation" and not mine[part] and g[part]:
                diff = "truncation: the file has a truncation or padding section the original did not have"
                break
            diff = first_difference(g[part], mine[part], part)
            if diff:
                break
        if diff:
            failed += 1
        print(f"{g['family']}: {'differs at ' + diff if diff else 'same encodings as the golden file'}")
    print(f"{checked} checked, {failed} differ")
    return failed == 0 and checked > 0

if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "build":
        build(set(sys.argv[2:]) or None)
    elif len(sys.argv) == 3 and sys.argv[1] == "verify":
        sys.exit(0 if verify(sys.argv[2]) else 1)
    else:
        sys.exit(__doc__)
