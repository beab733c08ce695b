"""Inter-coder agreement: the statistics (stats.py) and the codings-file contract (table.py)."""

from .stats import AgreementRow, agreement_rows, cohen_kappa, krippendorff_alpha_nominal
from .table import read_codings, write_agreement_csv

__all__ = [
    "AgreementRow",
    "agreement_rows",
    "cohen_kappa",
    "krippendorff_alpha_nominal",
    "read_codings",
    "write_agreement_csv",
]
