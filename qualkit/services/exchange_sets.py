"""REFI-QDA export parts: sets (kept document and code groups, one set per framework as the
.qdc has them) and participants as cases with their non-identifying attributes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.enums import FRAMEWORKS
from qualkit.exports.qdpx import QdaCase, QdaCode, QdaSet, QdaVariable, guid_for
from qualkit.exports.qdpx_mapping import TURNS_SET, TURNS_SET_DESCRIPTION
from qualkit.store.models import Code, ExchangeSet, Interview, Participant

# Participant attributes that are never written as case variables.
_IDENTIFYING = re.compile(
    r"navn|name|cpr|adresse|address|telefon|phone|mail|fødsel|birth|kommentar|note", re.I
)


def project_sets(
    s: Session,
    project_id: int,
    codes: dict[int, Code],
    qda_codes: dict[int, QdaCode],
    source_guid: dict[int, str],
    transcripts: Sequence[str] = (),
) -> list[QdaSet]:
    """Kept sets (document and code groups), as the .qdc has them one set per framework, and
    the mark on the sources written as transcripts (``transcripts``: their GUIDs)."""
    out: list[QdaSet] = []
    own_guid: dict[str, str] = {}  # qualkit's own sets' GUIDs kept from an import, by name
    for st in s.scalars(
        select(ExchangeSet).where(ExchangeSet.project_id == project_id).order_by(ExchangeSet.id)
    ):
        members = [int(m) for m in st.members or []]
        if st.kind == "framework":
            own_guid[st.name.split(":", 1)[1]] = st.guid
        elif st.kind == "turns":
            own_guid[TURNS_SET] = st.guid
        elif st.kind == "codes":
            out.append(
                QdaSet(
                    st.guid,
                    st.name,
                    st.description,
                    [qda_codes[m].guid for m in members if m in qda_codes],
                )
            )
        else:
            out.append(
                QdaSet(
                    st.guid,
                    st.name,
                    st.description,
                    [],
                    [source_guid[m] for m in members if m in source_guid],
                )
            )
    by_framework: dict[str, list[str]] = {}
    for c in sorted(codes.values(), key=lambda c: (c.codebook_id, c.position, c.id)):
        by_framework.setdefault(c.framework, []).append(qda_codes[c.id].guid)
    for fw in FRAMEWORKS:
        if fw in by_framework:
            out.append(
                QdaSet(
                    own_guid.get(fw) or guid_for("framework-set", project_id, fw),
                    f"framework:{fw}",
                    f"qualkit framework tag '{fw}'",
                    by_framework[fw],
                )
            )
    if source_guid:  # written even when empty: its absence means an older qualkit file
        out.append(
            QdaSet(
                own_guid.get(TURNS_SET) or guid_for("turns-set", project_id),
                TURNS_SET,
                TURNS_SET_DESCRIPTION,
                [],
                list(transcripts),
            )
        )
    return out


def case_list(s: Session, ivs: list[Interview], source_guid: dict[int, str]) -> tuple[list, list]:
    """Participants with an exported interview -> cases; non-identifying attributes -> values."""
    pids = sorted({iv.participant_id for iv in ivs if iv.participant_id is not None})
    if not pids:
        return [], []
    people = s.scalars(select(Participant).where(Participant.id.in_(pids))).all()
    names: list[str] = []
    for p in people:
        for k in ("arm", "site", *sorted((p.attributes or {}).keys())):
            if k not in names and not _IDENTIFYING.search(k):
                names.append(k)
    variables = [QdaVariable(guid_for("variable", n), n, "Text") for n in names]
    var_guid = {v.name: v.guid for v in variables}
    cases = []
    for p in people:
        values = {"arm": p.arm, "site": p.site, **(p.attributes or {})}
        cases.append(
            QdaCase(
                guid_for("case", p.project_id, p.citizen_id),
                p.citizen_id,
                values={
                    var_guid[k]: str(v)
                    for k, v in values.items()
                    if k in var_guid and v not in (None, "")
                },
                sources=[source_guid[iv.id] for iv in ivs if iv.participant_id == p.id],
            )
        )
    return variables, cases
