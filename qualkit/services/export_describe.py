"""Who speaks in a quote set and which quotes the writer chose: filter and descriptors.

``QuoteFilter`` is the writer's choice; ``Speakers`` gives one descriptor per (interview,
speaker): the project's own report label for a citizen (services/labels.py), else the role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from qualkit.exports.records import Descriptor
from qualkit.store.models import Interview, Participant

from .context import Context
from .labels import report_label

INTERVIEWER_LABELS = {"i", "int", "interviewer", "intervieweren", "interviewer 1", "interviewer 2"}
ROLE_LABELS = {"citizen": "borger", "interviewer": "interviewer"}


@dataclass
class QuoteFilter:
    """The writer's choice of quotes; empty lists mean "all"."""

    roles: list[str] = field(default_factory=list)  # borger, interviewer, jobkonsulent, ...
    arms: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    waves: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # code keys; a code includes its sub-codes
    starred_only: bool = False

    def describe(self) -> list[str]:
        """Danish lines for the title page."""
        out = []
        for label, values in (
            ("roller", self.roles),
            ("arm", self.arms),
            ("sted", self.sites),
            ("bølge", [str(w) for w in self.waves]),
            ("koder", self.codes),
        ):
            if values:
                out.append(f"{label}: {', '.join(values)}")
        if self.starred_only:
            out.append("kun stjernemarkerede citater")
        return out

    def audit(self) -> dict[str, Any]:
        return {
            "roles": self.roles,
            "arms": self.arms,
            "sites": self.sites,
            "waves": self.waves,
            "codes": self.codes,
            "starred_only": self.starred_only,
        }


def _speaker_role(iv: Interview, speaker: str | None) -> str:
    """The role of a turn's speaker: from the interview's speaker map, else by the kind."""
    from .speakers import speaker_role

    linked = speaker_role(iv, speaker)  # a speaker linked to a person, or a written source
    if linked is not None:
        return linked
    mapped = (iv.speakers or {}).get(speaker or "")
    if isinstance(mapped, str) and mapped.strip():
        return ROLE_LABELS.get(mapped.strip().lower(), mapped.strip().lower())
    if isinstance(mapped, dict) and mapped.get("role"):
        return ROLE_LABELS.get(str(mapped["role"]).lower(), str(mapped["role"]).lower())
    if (speaker or "").strip().lower() in INTERVIEWER_LABELS:
        return "interviewer"
    if iv.kind == "citizen":
        return "borger"
    return (iv.staff_role or "medarbejder").lower()


class Speakers:
    """One Descriptor per (interview, speaker), shared by all that speaker's quotes."""

    def __init__(self, s: Session, ctx: Context) -> None:
        self._cache: dict[tuple[int, str | None], Descriptor] = {}
        self._s, self._ctx = s, ctx  # labels: services.labels (random, stable, in the vault)

    def get(self, iv: Interview, p: Participant | None, speaker: str | None) -> Descriptor:
        key = (iv.id, speaker)
        if key not in self._cache:
            role = _speaker_role(iv, speaker)
            from .speakers import speaker_participant

            p = speaker_participant(iv, speaker, p)
            if role == "borger":
                cid = p.citizen_id if p is not None else None
                self._cache[key] = Descriptor(
                    report_label(self._s, self._ctx.db, self._ctx.project_id, cid),
                    True,
                    cid or f"{iv.id}:{speaker}",
                    arm=p.arm if p else None,
                    site=p.site if p else None,
                    wave=iv.wave,
                    attributes=dict(p.attributes or {}) if p else {},
                )
            else:
                self._cache[key] = Descriptor(
                    role[:1].upper() + role[1:], False, f"{iv.id}:{speaker}", wave=iv.wave
                )
        return self._cache[key]
