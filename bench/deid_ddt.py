"""De-identification on the Danish DDT NER data: token recall by entity type, precision, speed.

Reads ../shared/data/ddt-ner/ (beside the repository; never copied into it) and prints,
for the dev file (and the train-10k file for reference):
  - PER / LOC / ORG / MISC token recall: share of gold entity tokens inside a detected span
    (any label),
  - precision: share of flagged tokens that lie inside ANY gold entity,
  - tokens per second after start-up (median of 3 runs over the whole file).
No trained Danish spaCy pipeline is used (the `ner` recogniser is off here).

Usage: python bench/deid_ddt.py [--data DIR] [--sentences]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qualkit.deid.registry import Pipeline, load_config  # noqa: E402

FILES = [("dev", "da_ddt-ud-ner-dev.conll"), ("train-10k", "da_ddt-ud-ner-train-10k.conll")]


def read_conll(path: Path) -> list[list[tuple[str, str]]]:
    sents, cur = [], []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            if cur:
                sents.append(cur)
            cur = []
            continue
        tok, _, tag = line.partition("\t")
        cur.append((tok, tag.strip() or "O"))
    if cur:
        sents.append(cur)
    return sents


def build_text(sents):
    """One sentence a line, tokens joined by spaces; returns text and (start, end, tag) per token."""
    parts, toks, pos = [], [], 0
    for sent in sents:
        for k, (tok, tag) in enumerate(sent):
            if k:
                parts.append(" ")
                pos += 1
            toks.append((pos, pos + len(tok), tag, tok))
            parts.append(tok)
            pos += len(tok)
        parts.append("\n")
        pos += 1
    return "".join(parts), toks


def evaluate(pipe: Pipeline, sents, verbose: bool = False) -> dict:
    text, toks = build_text(sents)
    spans = pipe.detect(text)
    flagged = bytearray(len(text) + 1)
    for s in spans:
        flagged[s.start : s.end] = b"\x01" * (s.end - s.start)
    gold = {"PER": [0, 0], "LOC": [0, 0], "ORG": [0, 0], "MISC": [0, 0]}
    flag_total = flag_in = 0
    misses, fps = [], []
    for start, end, tag, tok in toks:
        hit = any(flagged[start:end])
        ent = tag[2:] if tag != "O" else None
        if ent in gold:
            gold[ent][1] += 1
            gold[ent][0] += hit
            if not hit and ent in ("PER", "LOC"):
                misses.append((ent, tok))
        if hit:
            flag_total += 1
            flag_in += ent is not None
            if ent is None:
                fps.append(tok)
    if verbose:
        print("  missed:", misses)
        print("  false positives:", fps)
    times = []
    ntok = len(toks)
    for _ in range(3):
        t = time.perf_counter()
        pipe.detect(text)
        times.append(time.perf_counter() - t)
    return {
        "recall": {k: (h / n if n else float("nan")) for k, (h, n) in gold.items()},
        "gold": {k: n for k, (_, n) in gold.items()},
        "precision": flag_in / flag_total if flag_total else float("nan"),
        "flagged": flag_total,
        "tokens": ntok,
        "tokens_per_s": ntok / statistics.median(times),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data",
        default=os.environ.get("QUALKIT_DDT_DATA")
        or str(ROOT.parent / "shared" / "data" / "ddt-ner"),
        help="folder of the DDT NER files (default ../shared/data/ddt-ner, or $QUALKIT_DDT_DATA)",
    )
    ap.add_argument("--verbose", action="store_true", help="list missed and false tokens")
    args = ap.parse_args()
    data = Path(args.data)
    if not data.is_dir():
        print(f"SKIP: no DDT NER data at {data} (expected ../shared/data/ddt-ner beside the repo)")
        return 0
    config = load_config()
    config["recognisers"] = [r for r in config["recognisers"] if r.get("type") != "ner"]
    t = time.perf_counter()
    pipe = Pipeline(config)
    pipe.detect("Opvarmning af Mette Hansen i Aarhus.")
    print(f"start-up: {time.perf_counter() - t:.2f} s (not counted in tokens/s)")
    for name, fname in FILES:
        path = data / fname
        if not path.exists():
            print(f"{name}: SKIP ({path} not found)")
            continue
        r = evaluate(pipe, read_conll(path), verbose=args.verbose)
        rec = r["recall"]
        print(
            f"{name}: tokens={r['tokens']} PER recall={rec['PER']:.3f} (n={r['gold']['PER']}) "
            f"LOC recall={rec['LOC']:.3f} (n={r['gold']['LOC']}) "
            f"ORG recall={rec['ORG']:.3f} (n={r['gold']['ORG']}) "
            f"MISC recall={rec['MISC']:.3f} precision={r['precision']:.3f} "
            f"(flagged {r['flagged']}) tokens/s={r['tokens_per_s']:,.0f} (median of 3)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
