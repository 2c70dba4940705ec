"""Shared-data sentence sampling used by the text reference scripts (the Swift tests read the same
sentences with the same rules): SIB-200 dev+test text column, the first N '# text = ' lines of
each UD PUD treebank, the first N lines of each non-English Tatoeba file."""
import glob, os

def data_root():
    return os.environ.get("POLYGLOT_DATA_ROOT", os.path.join(os.path.dirname(__file__), "../../../shared/data"))

def read_lines(path):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [l[:-1] if l.endswith("\r") else l for l in lines]

def sib_sentences(root, split):
    out = []
    for d in sorted(glob.glob(os.path.join(root, "sib200/annotated/*"))):
        path = os.path.join(d, f"{split}.tsv")
        rel = os.path.relpath(path, root)
        for i, line in enumerate(read_lines(path)[1:]):
            out.append((rel, i, line.split("\t", 2)[2]))
    return out

def pud_sentences(root, n):
    out = []
    for path in sorted(glob.glob(os.path.join(root, "ud/UD_*-PUD/*.conllu"))):
        rel = os.path.relpath(path, root)
        texts = [l[len("# text = "):] for l in read_lines(path) if l.startswith("# text = ")]
        out += [(rel, i, t) for i, t in enumerate(texts[:n])]
    return out

def tatoeba_sentences(root, n):
    out = []
    for path in sorted(glob.glob(os.path.join(root, "tatoeba/tatoeba.*-eng.*"))):
        if path.endswith(".eng"):
            continue
        rel = os.path.relpath(path, root)
        out += [(rel, i, t) for i, t in enumerate(read_lines(path)[:n])]
    return out
