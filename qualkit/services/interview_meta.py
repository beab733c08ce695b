"""Interview metadata (kind, wave, date, interviewer, site, linked participants): one parser
for every entry point (app form, `qualkit interviews add|import`, .qdpx import, demo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.errors import InputError
from qualkit.store.models import Interview, InterviewKind, InterviewPerson, Participant
from qualkit.tabular import parse_date

from .context import Context

KIND_LABELS: dict[InterviewKind, str] = {
    InterviewKind.CITIZEN: "Borgerinterview",
    InterviewKind.STAFF: "Medarbejderinterview",
    InterviewKind.FOCUS_GROUP: "Fokusgruppe",
    InterviewKind.JOINT: "Fælles interview",
    InterviewKind.FIELDNOTE: "Feltnote",
    InterviewKind.LOGBOOK: "Logbog",
    InterviewKind.DOCUMENT: "Dokument",
}
# Role of a linked participant (every participant in the register is a citizen of the trial).
CITIZEN_ROLE = "borger"


@dataclass(frozen=True)
class InterviewMeta:
    """Validated metadata of one interview or other source."""

    kind: InterviewKind = InterviewKind.CITIZEN
    wave: int | None = None
    interview_date: date | None = None
    interviewer: str | None = None
    site: str | None = None
    citizens: tuple[str, ...] = ()
    staff_role: str | None = None


def parse_kind(value: str | None, where: str = "") -> InterviewKind:
    prefix = f"{where}: " if where else ""
    if value is None or not str(value).strip():
        return InterviewKind.CITIZEN
    v = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    if v == "group":  # the kind's name before the kinds list
        v = InterviewKind.FOCUS_GROUP.value
    try:
        return InterviewKind(v)
    except ValueError:
        raise InputError(
            f"{prefix}type '{value}' findes ikke; brug en af "
            f"{', '.join(k.value for k in InterviewKind)}."
        ) from None


def parse_meta(
    *,
    kind: str | InterviewKind | None = None,
    wave: int | str | None = None,
    interview_date: date | str | None = None,
    interviewer: str | None = None,
    site: str | None = None,
    citizens: list[str] | tuple[str, ...] | str | None = None,
    staff_role: str | None = None,
    where: str = "",
) -> InterviewMeta:
    """Check every field and return the metadata; one Danish line naming the field otherwise."""
    prefix = f"{where}: " if where else ""
    k = kind if isinstance(kind, InterviewKind) else parse_kind(kind, where)
    w: int | None = None
    if wave is not None and str(wave).strip() != "":
        try:
            w = int(str(wave).strip())
        except ValueError:
            raise InputError(
                f"{prefix}bølge '{wave}' er ikke et helt tal (fx 1, 2 eller 3)."
            ) from None
        if w < 1:
            raise InputError(f"{prefix}bølge skal være 1 eller mere (fik {w}).")
    d: date | None
    if isinstance(interview_date, date) or interview_date is None:
        d = interview_date
    else:
        try:
            d = parse_date(str(interview_date))
        except ValueError:
            raise InputError(
                f"{prefix}dato '{interview_date}' er ikke en dato (brug 01-04-2019 eller 2019-04-01)."
            ) from None
    if isinstance(citizens, str):
        citizens = [citizens]
    ids = tuple(dict.fromkeys(c.strip() for c in (citizens or []) if c and c.strip()))
    if k == InterviewKind.CITIZEN and len(ids) > 1:
        raise InputError(
            f"{prefix}et borgerinterview har én borger ({', '.join(ids)} angivet); "
            "brug --kind focus_group eller joint."
        )
    return InterviewMeta(
        kind=k,
        wave=w,
        interview_date=d,
        interviewer=(interviewer or "").strip() or None,
        site=(site or "").strip() or None,
        citizens=ids,
        staff_role=(staff_role or "").strip() or None,
    )


def resolve_citizens(
    s: Session, ctx: Context, meta: InterviewMeta, where: str
) -> list[Participant]:
    """The register rows of the linked citizens; refuses an ID not in the register."""
    if not meta.citizens:
        return []
    found = {
        p.citizen_id: p
        for p in s.scalars(
            select(Participant).where(
                Participant.project_id == ctx.project_id,
                Participant.citizen_id.in_(meta.citizens),
            )
        )
    }
    missing = [c for c in meta.citizens if c not in found]
    if missing:
        prefix = f"{where}: " if where else ""
        raise InputError(
            f"{prefix}borger '{missing[0]}' findes ikke i deltagerregistret (--citizen)."
        )
    return [found[c] for c in meta.citizens]


def apply_meta(s: Session, ctx: Context, iv: Interview, meta: InterviewMeta, where: str) -> None:
    """Write the metadata and the participant links onto a (new) interview."""
    people = resolve_citizens(s, ctx, meta, where)
    iv.kind = meta.kind.value
    iv.wave = meta.wave
    iv.interview_date = meta.interview_date
    iv.interviewer = meta.interviewer
    iv.staff_role = meta.staff_role
    # An interview with one site's citizens is at that site unless told otherwise.
    sites = {p.site for p in people if p.site}
    iv.site = meta.site or (sites.pop() if len(sites) == 1 else None)
    iv.participant_id = people[0].id if people else None
    iv.people = [InterviewPerson(participant_id=p.id, role=CITIZEN_ROLE) for p in people]


_DESCRIPTION_KEYS = {
    "type": "kind",
    "kind": "kind",
    "bølge": "wave",
    "wave": "wave",
    "dato": "interview_date",
    "date": "interview_date",
    "interviewer": "interviewer",
    "sted": "site",
    "site": "site",
}


def meta_from_description(description: str) -> InterviewMeta:
    """Metadata from a REFI-QDA source's Description ("Type: focus_group", "Bølge: 2",
    "Dato: 02-04-2025", "Interviewer: LH", "Sted: Ishøj", one a line). The rest of a
    description is free text, so a line that is not valid metadata is left alone."""
    found: dict[str, str] = {}
    for line in (description or "").splitlines():
        key, sep, value = line.partition(":")
        field = _DESCRIPTION_KEYS.get(key.strip().lower())
        if sep and field and value.strip() and field not in found:
            try:
                parse_meta(**{field: value.strip()})
            except InputError:
                continue
            found[field] = value.strip()
    return parse_meta(**found)
