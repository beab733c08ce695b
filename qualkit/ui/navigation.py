"""The app's pages and which capability each needs (one table, used for navigation).

Each page is a small script in ``pages/`` (so Streamlit and AppTest address it by file)
that calls ``render()`` of the module of the same name in ``views/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualkit.services.permissions import allowed


@dataclass(frozen=True)
class PageSpec:
    key: str  # module in qualkit.ui.pages and the URL path
    title: str  # Danish label
    icon: str
    capability: str  # services.permissions capability the page needs

    @property
    def script(self) -> Path:
        return PAGES_DIR / f"{self.key}.py"


PAGES_DIR = Path(__file__).resolve().parent / "pages"

PAGES: list[PageSpec] = [
    PageSpec("interviews", "Interviews", ":material/record_voice_over:", "interview.list"),
    PageSpec("deid", "Pseudonymisering", ":material/visibility_off:", "deid.review"),
    PageSpec("coding", "Kodning", ":material/label:", "coding.write"),
    PageSpec("search", "Søg", ":material/search:", "transcript.read"),
    PageSpec("memos", "Memoer", ":material/sticky_note_2:", "consensus.read"),
    PageSpec("codebook", "Kodebog", ":material/account_tree:", "codebook.read"),
    PageSpec("agreement", "Enighed og konsensus", ":material/compare_arrows:", "coding.compare"),
    PageSpec("analysis", "Analyse", ":material/insights:", "consensus.read"),
    PageSpec("participants", "Deltagere", ":material/groups:", "participant.read"),
    PageSpec("delivery_log", "Leveranceregistrering", ":material/edit_note:", "delivery.log"),
    PageSpec("tallies", "Optællinger", ":material/table_chart:", "tally.read"),
    PageSpec("exports", "Eksport", ":material/download:", "export"),
    PageSpec("admin", "Administration", ":material/admin_panel_settings:", "user.manage"),
]


def pages_for(role: str) -> list[PageSpec]:
    return [p for p in PAGES if allowed(role, p.capability)]
