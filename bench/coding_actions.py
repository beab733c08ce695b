"""Server time per coding action on a 90-minute transcript (800 segments, ~12,000 words).

Builds the demo project in a temporary SQLite folder (or on $QUALKIT_DATABASE_URL),
adds a synthetic 800-segment interview, then times through the services: loading
the coding view (list), applying a code to one segment, to five segments, to a
character span, removing a code, saving a memo, and comparing two coders; and,
with AppTest, the coding page's full server rerun after an "Anvend kode" click.
Prints medians (and the 90th percentile) in milliseconds. Target: < 1000 ms.

    .venv/bin/python bench/coding_actions.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qualkit.services import codebooks, coding, consensus, interviews  # noqa: E402
from qualkit.services.context import Context  # noqa: E402
from qualkit.services.demo import create_demo  # noqa: E402
from qualkit.services.users import actor_for  # noqa: E402
from qualkit.store import Database  # noqa: E402
from qualkit.transcripts.textformat import Turn  # noqa: E402

WORDS = (
    "jeg og det var at så en til med jobkonsulenten borgeren planen møde arbejde træning "
    "sygeplejersken kommunen tid uge timer rehabilitering samtale mål hjemme lidt rigtig "
    "godt svært altså øh ja nej måske fordi når hvor der de vi har skulle kunne"
).split()


def transcript(n: int = 800, words: int = 12_000, seconds: float = 5400.0) -> list[Turn]:
    rng = random.Random(7)
    per = words // n
    turns = []
    for i in range(n):
        text = (
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(per - 8, per + 8))).capitalize()
            + "."
        )
        start = seconds * i / n
        turns.append(Turn("I" if i % 2 == 0 else "B99", text, start, seconds * (i + 1) / n))
    return turns


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def report(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    print(f"{name:<44} median {statistics.median(ms):8.1f} ms   p90 {p90:8.1f} ms   n={len(ms)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--no-apptest", action="store_true")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qualkit-bench-")) / "data"
    db = Database.open(folder, os.environ.get("QUALKIT_DATABASE_URL"))
    demo = create_demo(db)
    ev = Context(db, actor_for(db, "evaluator"), demo.project_id)
    ev2 = Context(db, actor_for(db, "evaluator2"), demo.project_id)
    turns = transcript()
    iv = interviews.create_interview_from_turns(ev, "Bench: 90 minutter", turns)
    segs = [s["id"] for s in coding.coding_view(ev, iv)["segments"]]
    codes = [c["id"] for b in codebooks.list_codebooks(ev) for c in b["codes"]]
    print(
        f"backend {db.engine.dialect.name}; transcript: {len(segs)} segments, "
        f"{sum(len(t.text.split()) for t in turns)} words; {len(codes)} codes"
    )
    rng = random.Random(1)
    # Both coders code a realistic amount first (~300 codings each), so lists are not empty.
    for ctx in (ev, ev2):
        for sid in rng.sample(segs, 300):
            coding.apply_code(ctx, [sid], rng.choice(codes))
    report(
        "list: coding view (800 segments + own codings)",
        timed(lambda: coding.coding_view(ev, iv), args.repeat),
    )
    report(
        "apply code to 1 segment",
        timed(lambda: coding.apply_code(ev, [rng.choice(segs)], rng.choice(codes)), args.repeat),
    )
    report(
        "apply code to 5 segments",
        timed(lambda: coding.apply_code(ev, rng.sample(segs, 5), rng.choice(codes)), args.repeat),
    )
    report(
        "apply code to a char span (fragment)",
        timed(
            lambda: coding.apply_code(ev, [segs[11]], rng.choice(codes), start_char=0, end_char=20),
            args.repeat,
        ),
    )
    report(
        "remove code from 5 segments",
        timed(lambda: coding.remove_code(ev, rng.sample(segs, 5), rng.choice(codes)), args.repeat),
    )
    mine = [c["id"] for c in coding.my_codings(ev, iv)]
    report("save memo", timed(lambda: coding.set_memo(ev, rng.choice(mine), "memo"), args.repeat))
    consensus.open_comparison(ev, iv)
    report(
        "compare two coders (agreement + disagreements)",
        timed(lambda: consensus.compare_document(ev, iv), max(3, args.repeat // 3)),
    )
    if not args.no_apptest and db.settings.is_sqlite:
        os.environ["QUALKIT_DATA"] = str(folder)
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(
            str(REPO / "qualkit" / "ui" / "pages" / "coding.py"), default_timeout=120
        )
        at.session_state["actor"] = ev.actor
        at.session_state["coding_iv"] = iv
        at.run()
        assert not at.exception, at.exception
        assert len(at.dataframe[0].value) == len(segs), (
            "the page must show the 800-segment transcript"
        )
        first = codes[0]
        reruns, applies = [], []
        for _ in range(max(3, args.repeat // 3)):
            at.multiselect(key="coding_segments").set_value(rng.sample(segs, 3))
            t = time.perf_counter()
            at.run()
            reruns.append((time.perf_counter() - t) * 1000)
            at.selectbox(key="coding_code").set_value(first)
            t = time.perf_counter()
            at.button(key="coding_apply").click().run()
            applies.append((time.perf_counter() - t) * 1000)
            assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
        report("AppTest: page rerun (select segments)", reruns)
        report("AppTest: 'Anvend kode' click + rerun", applies)
    db.close()


if __name__ == "__main__":
    main()
