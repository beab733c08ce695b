"""What qualkit ships inside the package: codebooks and delivery protocols, the demo
project's transcripts, register and delivery log (docs/DESIGN.md "Layers").

In a source checkout these are the top-level folders ``codebooks/``, ``transcripts/`` and
``demo/`` (``qualkit/data/*`` links to them); an installed wheel carries copies under
``qualkit/data/``. Code finds them here, never by walking up from a source file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from qualkit.errors import InputError

FOLDERS = ("codebooks", "transcripts", "demo")


def data_root() -> Path:
    """The folder holding ``codebooks/``, ``transcripts/`` and ``demo/``."""
    root = Path(str(resources.files("qualkit").joinpath("data")))
    missing = [name for name in FOLDERS if not (root / name).is_dir()]
    if missing:
        raise InputError(
            f"Installationen mangler qualkits medfølgende data ({', '.join(missing)} i {root}); "
            "installér qualkit igen."
        )
    return root


def codebooks_dir() -> Path:
    return data_root() / "codebooks"


def protocols() -> dict[str, Path]:
    """Shipped delivery protocols by short name: ``tki2`` -> .../protocol_tki2.yaml."""
    return {
        p.stem.removeprefix("protocol_"): p for p in sorted(codebooks_dir().glob("protocol_*.yaml"))
    }


def resolve_protocol(given: Path) -> Path:
    """A protocol file as given, else a shipped one named by short name or file name
    (``tki2``, ``protocol_tki2`` or ``protocol_tki2.yaml``); a file that exists wins."""
    if given.exists() or given.parent != Path("."):
        return given
    name = given.name.removesuffix(".yaml").removesuffix(".yml").removeprefix("protocol_")
    return protocols().get(name, given)
