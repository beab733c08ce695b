"""Bench: 2,000 quotes to a themed .docx (target < 10 s). Prints medians of 3 runs.

1. the Word writer alone (qualkit.exports.quotes_docx) on 2,000 synthetic quotes;
2. the whole service path (`services.exports.export_quotes`: load from SQLite, safety
   check with the de-identification recognisers, write, audit) on a project with 2,000
   consensus-coded segments, when qualkit.deid is installed.

Run: .venv/bin/python bench/export_quotes.py
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualkit.exports.records import Descriptor, Quote  # noqa: E402

WORDS = (
    "jeg synes egentlig at samarbejdet med jobkonsulenten fungerede godt fordi hun "
    "lyttede og vi lavede en plan sammen om hvordan jeg kunne komme tilbage til arbejdet "
    "i mit eget tempo og det gav mig ro og mere energi i hverdagen"
).split()


def _sentence(rng: random.Random) -> str:
    n = rng.randint(25, 70)
    text = " ".join(rng.choice(WORDS) for _ in range(n))
    return text[:1].upper() + text[1:] + "."


def make_quotes(n: int, seed: int = 7) -> list[Quote]:
    """n quotes over 12 themes x 3 sub-codes from 150 citizens (synthetic text)."""
    rng = random.Random(seed)
    people = [
        Descriptor(
            f"Borger {i}",
            True,
            f"B{i:03d}",
            arm=rng.choice(["indsats", "kontrol"]),
            site="Nord",
            wave=1,
            attributes={
                "køn": rng.choice(["kvinde", "mand"]),
                "alder": rng.randint(22, 64),
                "diagnosegruppe": rng.choice(["kræft", "hjerte", "andet"]),
            },
        )
        for i in range(1, 151)
    ]
    quotes = []
    for i in range(n):
        theme = rng.randrange(12)
        sub = rng.randrange(4)  # 0 = the theme itself
        code_id = 1000 + theme * 10 + sub
        who = people[rng.randrange(len(people))]
        quotes.append(
            Quote(
                consensus_id=i,
                segment_id=i,
                code_id=code_id if sub else 1000 + theme * 10,
                code_name=f"Underkode {theme + 1}.{sub}",
                code_position=theme * 10 + sub,
                framework=rng.choice(["implementation", "mechanism", "context", "fidelity"]),
                theme_id=1000 + theme * 10,
                theme_name=f"Tema {theme + 1}",
                theme_position=theme * 10,
                text=_sentence(rng),
                who=who,
                interview_id=int(who.person_key[1:]),
                interview_label=f"Interview {who.person_key[1:]}, bølge 1, 12-03-2025",
                start=rng.uniform(0, 5400),
            )
        )
    return quotes


def bench_writer(n: int = 2000, runs: int = 3) -> float:
    from qualkit.exports.quotes_docx import QuoteDocSpec, write_quotes_docx

    quotes = make_quotes(n)
    spec = QuoteDocSpec(
        "Bench",
        ["Bench-kodebog (version 1)"],
        ["ingen"],
        descriptor_fields=["label", "køn", "alder", "arm", "diagnosegruppe"],
        on=date(2025, 6, 1),
    )
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            t0 = time.perf_counter()
            write_quotes_docx(quotes, spec, Path(tmp) / f"q{i}.docx")
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_service(n: int = 2000, runs: int = 3) -> float | None:
    try:
        import qualkit.deid  # noqa: F401
    except ImportError:
        return None
    from sqlalchemy import select

    from qualkit.codebooks.model import parse_codebook
    from qualkit.services import codebooks, exports, projects
    from qualkit.services.context import SYSTEM, Context
    from qualkit.store import Database
    from qualkit.store.models import Code, Codebook, ConsensusCoding, Interview, Segment

    quotes = make_quotes(n)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(Path(tmp) / "data")
        pid = projects.create_project(db, SYSTEM, "Bench")
        ctx = Context(db, SYSTEM, pid)
        codebooks.import_codebook(
            ctx,
            parse_codebook(
                {
                    "codebook": "Bench",
                    "codes": [
                        {
                            "id": f"t{t}",
                            "name": f"Tema {t + 1}",
                            "children": [
                                {"id": f"t{t}.{s}", "name": f"Underkode {t + 1}.{s}"}
                                for s in (1, 2, 3)
                            ],
                        }
                        for t in range(12)
                    ],
                }
            ),
        )
        with db.session() as s:
            codes = dict(s.execute(select(Code.key, Code.id).join(Codebook)).all())
            ivs = {}
            for q in quotes:
                iv = ivs.get(q.who.person_key)
                if iv is None:
                    iv = ivs[q.who.person_key] = Interview(
                        project_id=pid, title=q.who.person_key, status="approved", wave=1
                    )
                    s.add(iv)
                seg = Segment(
                    position=len(iv.segments),
                    start=q.start,
                    speaker="B",
                    text=q.text,
                    deidentified=True,
                )
                iv.segments.append(seg)
                s.flush()
                theme, sub = divmod(q.code_id - 1000, 10)
                s.add(
                    ConsensusCoding(
                        segment_id=seg.id,
                        code_id=codes[f"t{theme}" if not sub else f"t{theme}.{sub}"],
                    )
                )
        # Random word salad trips the recognisers now and then (capitalised sentence starts):
        # override those passages so every run goes all the way (every passage is still scanned).
        flagged = sorted({f["segment_id"] for f in exports.check_quotes(ctx)[1]})
        times = []
        for i in range(runs):
            t0 = time.perf_counter()
            exports.export_quotes(ctx, Path(tmp) / f"s{i}.docx", overrides=flagged)
            times.append(time.perf_counter() - t0)
        db.close()
    return statistics.median(times)


def main() -> None:
    writer = bench_writer()
    print(
        f"export_quotes: 2000 quotes -> .docx (writer only): median {writer:.2f} s of 3 runs "
        f"(target < 10 s)"
    )
    service = bench_service()
    if service is None:
        print("export_quotes: full service path skipped (qualkit.deid not installed)")
    else:
        print(
            f"export_quotes: 2000 quotes via services.exports (load + safety check + write + "
            f"audit): median {service:.2f} s of 3 runs (target < 10 s)"
        )


if __name__ == "__main__":
    main()
