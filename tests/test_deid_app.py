"""The Pseudonymisering page under AppTest: review the demo's open interview end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from qualkit.store import Database
from qualkit.store.models import EntityDecision, Interview

from .apptest_support import login

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
PAGE = "qualkit/ui/pages/deid.py"


@pytest.fixture
def fresh_demo(app_demo):
    return app_demo.folder, app_demo.result


def _decisions(folder):
    db = Database.open(folder)
    try:
        with db.session() as s:
            return {
                r.id: (r.decision, r.label, r.scope)
                for r in s.scalars(
                    select(EntityDecision).join(Interview).where(Interview.status != "approved")
                ).all()
            }
    finally:
        db.close()


def _segment_decisions(folder, segment_id):
    db = Database.open(folder)
    try:
        with db.session() as s:
            return sorted(
                (r.decision, r.label)
                for r in s.scalars(
                    select(EntityDecision).where(EntityDecision.segment_id == segment_id)
                ).all()
            )
    finally:
        db.close()


def test_review_flow_end_to_end(fresh_demo):
    folder, result = fresh_demo
    at = login("evaluator", result.passwords["evaluator"], PAGE)
    assert [h.value for h in at.header] == ["Pseudonymisering"]
    table = at.dataframe[0].value
    assert {"Tekst", "Etiket", "Kilde", "Beslutning", "Pseudonym"} <= set(table.columns)
    assert set(table["Beslutning"]) == {"foreslået"} and len(table) > 5
    assert {k.removeprefix("speaker/") for k in table["Kilde"]} <= {
        "roster",
        "gazetteer",
        "capitalisation",
        "pattern",
        "ner",
    }
    # The card shows one open proposal in its sentence, with label and pseudonym; reject it.
    card = " ".join(m.value for m in at.markdown)
    assert ":orange-background[" in card
    assert {m.label for m in at.metric} >= {"Etiket", "Pseudonym"}
    before = _decisions(folder)
    at.button(key="deid_reject").click().run()
    assert not at.exception, at.exception
    after = _decisions(folder)
    changed = [i for i in after if after[i] != before[i]]
    assert len(changed) == 1 and after[changed[0]][0] == "rejected"

    # Relabel another (open it in the card) for every occurrence; the scope then resets.
    ids = [i for i in table["ID"].tolist() if i not in changed]
    at.session_state["deid_cursor"] = ids[0]
    at.run()
    [scope] = [r for r in at.radio if r.key.startswith("deid_scope_")]
    assert scope.value == "occurrence"
    scope.set_value("project").run()
    at.selectbox(key="deid_relabel").set_value("ORGANISATION")
    before = _decisions(folder)
    at.button(key="deid_relabel_do").click().run()
    assert not at.exception, at.exception
    after = _decisions(folder)
    changed = [i for i in after if after[i] != before[i]]
    assert changed and all(after[i] == ("accepted", "ORGANISATION", "project") for i in changed)
    [scope] = [r for r in at.radio if r.key.startswith("deid_scope_")]
    assert scope.value == "occurrence"  # a project-wide choice is never carried over

    # Add a missed span by its text.
    seg_id = at.selectbox(key="deid_add_segment").options[0]
    first_segment = at.selectbox(key="deid_add_segment").value
    assert first_segment is not None
    before = len(_decisions(folder))
    # A word that occurs in that turn only (approval refuses if an accepted name is left).
    db = Database.open(folder)
    with db.session() as s:
        from qualkit.store.models import Segment

        texts = {g.id: g.text for g in s.scalars(select(Segment)).all()}
    db.close()
    others = " ".join(t for i, t in texts.items() if i != first_segment)
    word = next(
        w for w in texts[first_segment].split() if w.isalpha() and len(w) > 3 and w not in others
    )
    at.text_input(key="deid_add_text").input(word)
    at.selectbox(key="deid_add_label").set_value("PLACE")
    at.button(key="deid_add").click().run()
    assert not at.exception, at.exception
    assert len(_decisions(folder)) > before, seg_id

    # Edit a segment's text: the decisions on it are kept.
    edit_id = at.selectbox(key="deid_edit_segment").value
    before_edit = _segment_decisions(folder, edit_id)
    assert any(dec != "proposed" for dec, _ in before_edit)
    box = at.text_area(key=f"deid_edit_text_{edit_id}")
    box.input(box.value + " Rettet.")
    at.button(key="deid_edit_save").click().run()
    assert not at.exception, at.exception
    assert _segment_decisions(folder, edit_id) == before_edit

    # Approval asks first and says what happens; refused while proposals are open.
    at.button(key="deid_approve").click().run()
    assert any("nøgleboksen" in w.value for w in at.warning)
    at.button(key="deid_approve_yes").click().run()
    assert any("ikke" in e.value for e in at.error)
    at.button(key="deid_accept_all").click().run()
    at.button(key="deid_approve").click().run()
    at.button(key="deid_approve_yes").click().run()
    assert not at.exception, at.exception
    assert any("Godkendt" in s.value for s in at.success), [e.value for e in at.error]
    db = Database.open(folder)
    with db.session() as s:
        assert all(iv.status == "approved" for iv in s.scalars(select(Interview)).all())
    db.close()


def test_page_refused_to_staff_and_writer(fresh_demo):
    folder, _ = fresh_demo
    from qualkit.services.users import actor_for

    db = Database.open(folder)
    for who in ("staff", "writer"):
        actor = actor_for(db, who)
        at = AppTest.from_file(str(REPO / PAGE), default_timeout=60)
        at.session_state["actor"] = actor
        at.run()
        assert any("Adgang nægtet" in e.value for e in at.error)
        assert len(at.dataframe) == 0
    db.close()


def test_admin_reads_the_vault_and_withdraws(fresh_demo):
    folder, result = fresh_demo
    at = login("admin", result.passwords["admin"], PAGE)
    at.text_input(key="vault_phrase").input("forkert-frase")
    at.button(key="vault_read").click().run()
    assert at.error, "a wrong passphrase is refused"
    at.text_input(key="vault_phrase").input(result.vault_passphrase)
    at.button(key="vault_read").click().run()
    keys = at.dataframe[0].value
    assert "Camilla" in set(keys["Navn"]) and "[Borger 3]" in set(keys["Pseudonym"])
    at.text_input(key="withdraw_id").input("B07")
    at.checkbox(key="withdraw_sure").check()
    at.button(key="withdraw_do").click().run()
    assert any("Tilbagetrukket: 1 interviews" in s.value for s in at.success)


def test_card_reaches_every_open_proposal_speaker_labels_too(fresh_demo):
    """A speaker label proposed as a name ("KB" as who speaks: no segment of its own) is in the
    card like every other proposal, shown before its speaker's first turn; deciding every card
    leaves nothing open, so approval goes through without "accept all"."""
    folder, result = fresh_demo
    at = login("evaluator", result.passwords["evaluator"], PAGE)
    table = at.dataframe[0].value
    open_ids = set(table["ID"].tolist())
    [caption] = [c.value for c in at.caption if c.value.startswith("Forslag ")]
    assert f"af {len(open_ids)} åbne" in caption
    speaker_ids = [
        i for i, src in zip(table["ID"], table["Kilde"], strict=True) if src.startswith("speaker")
    ]
    assert speaker_ids, "the demo's open interview has a speaker label to review"
    at.session_state["deid_cursor"] = speaker_ids[0]
    at.run()
    assert any("talerbetegnelse" in c.value for c in at.caption)
    label = table.loc[table["ID"] == speaker_ids[0], "Tekst"].iloc[0]
    assert any(m.value.startswith(f":orange-background[**{label}**]:") for m in at.markdown)
    at.button(key="deid_accept").click().run()
    assert not at.exception, at.exception
    assert _decisions(folder)[speaker_ids[0]][0] == "accepted"
    # Every other open proposal through the card, then approval.
    for _ in range(len(open_ids)):
        if any("Alle forslag er afgjort" in s.value for s in at.success):
            break
        at.button(key="deid_accept").click().run()
        assert not at.exception, at.exception
    assert all(d == "accepted" for d, _, _ in _decisions(folder).values())
    at.button(key="deid_approve").click().run()
    at.button(key="deid_approve_yes").click().run()
    assert any("Godkendt" in s.value for s in at.success), [e.value for e in at.error]
