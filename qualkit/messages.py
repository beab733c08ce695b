"""The message catalog: every user-facing error and label text, in Danish, by key.

Services raise ``QualkitError(msg("key", name=value))``; the app and the CLI show the text as it
is. ``label(kind, raw)`` gives the Danish label of a stored key (a delivery status, a component,
an interview kind, an audit action, an entity label) and falls back to the raw value.
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # interviews and transcripts
    "interview.not_found": "Interviewet {id} findes ikke i projektet.",
    "segment.unknown": "Ukendt(e) segment(er) i projektet: {ids}; intet blev kodet.",
    # coding
    "coding.blind": (
        "Kodningen er blind: vælg 'Sammenlign' for interview {id}, før du ser de andres kodninger."
    ),
    "coding.empty_selection": "Markér en tekst først.",
    "coding.other_interview": "Markeringen hører til et andet interview.",
    "coding.choose_code": "Vælg en kode først.",
    "coding.retired": "Koden '{name}' er udgået og kan ikke længere anvendes.",
    "code.not_found": "Koden {id} findes ikke i projektet.",
    "codebook.not_found": "Kodebogen {id} findes ikke i projektet.",
    # search and memos
    "search.empty": "Skriv mindst ét ord at søge efter.",
    "memo.not_found": "Memoet {id} findes ikke i projektet.",
    "memo.title_required": "Et memo skal have en titel.",
    "memo.kind": "Ukendt memotype '{kind}' (interview, kode eller projekt).",
    "memo.not_owner": "Kun forfatteren eller en administrator kan ændre memoet {id}.",
    "memo.target": "Memoet mangler det, det handler om: {what}.",
    # permissions and users
    "permission.denied": "Adgang nægtet: {who} må ikke {what}.",
    "permission.anonymous": "en bruger, der ikke er logget ind",
    "user.not_found": "Der er ingen aktiv bruger ved navn '{name}'.",
    "user.unknown": "Der er ingen bruger ved navn '{name}'.",
    "participant.unknown": "Borgeren '{id}' står ikke i deltagerregistret.",
    # files
    "file.not_found": "{path}: filen findes ikke.",
    "file.unreadable": "{path}: filen kan ikke læses ({reason}).",
    "export.quotes_docx": "{path}: citatsættet er en Word-fil; giv den endelsen .docx.",
    "file.empty": "{path}: filen er tom.",
    # tables (register, delivery log, codings): one cell's problem, after "fil, række n, kolonne"
    "table.missing_columns": "{path}: mangler påkrævet(e) kolonne(r) {columns} (fundet: {present}).",
    "table.problems": "{n} problemer; intet blev gemt:",
    "table.problem": "1 problem; intet blev gemt:",
    "table.too_many_values": "{n} værdier, men overskriften har {columns} kolonner",
    "value.empty": "tom",
    "register.no_id": "tom; hver række skal have et projekt-id",
    "value.not_date": "'{value}' er ikke en dato (skriv 01-04-2019 eller 2019-04-01)",
    "value.not_bool": "'{value}' er ikke ja/nej (skriv ja/nej, yes/no eller 1/0)",
    "value.not_number": "'{value}' er ikke et tal (skriv 45 eller 45,5)",
    "value.negative": "{value} er negativ",
    "value.not_one_of": "'{value}' er ikke en af {choices}",
    "value.repeated": "'{value}' står der igen (første gang i række {row})",
    # choices: "Ukendt motor 'x': brug a eller b."
    "choice.unknown": "Ukendt {what} '{value}': brug {choices}.",
    # transcripts and transcription
    "segment.not_found": "Segmentet {id} findes ikke i projektet.",
    "transcript.approved": "{title}: transskriptionen er godkendt og kan ikke længere rettes.",
    "transcription.running": "{title}: en transskription er i gang; {then}.",
    "job.not_found": "Transskriptionsjobbet {id} findes ikke i projektet.",
    "audio.zero_length": "{path}: optagelsen er tom (længden er nul; ingen lyd at afkode).",
}

OS_REASONS = {
    2: "den findes ikke",
    13: "adgang nægtet",
    21: "det er en mappe",
    20: "en del af stien er ikke en mappe",
    17: "der findes allerede en fil med det navn",
    28: "disken er fuld",
    30: "filsystemet er skrivebeskyttet",
}


def os_reason(exc: OSError) -> str:
    """A Danish reason for an operating-system error (the OS gives English text)."""
    return OS_REASONS.get(exc.errno or 0, f"systemfejl {exc.errno}")


def msg(key: str, **values: object) -> str:
    """The Danish text of a message key, filled in; an unknown key is a bug (KeyError)."""
    return MESSAGES[key].format(**values)


LABELS: dict[str, dict[str, str]] = {
    "delivery_status": {
        "delivered": "leveret",
        "no_show": "udeblevet",
        "cancelled": "aflyst",
    },
    "kind": {
        "citizen": "borger",
        "staff": "medarbejder",
        "focus_group": "fokusgruppe",
        "group": "gruppe",
        "joint": "fælles",
        "fieldnote": "feltnote",
        "document": "dokument",
    },
    "role": {
        "admin": "administrator",
        "evaluator": "evaluator",
        "staff": "medarbejder",
        "writer": "rapportskriver",
    },
    "interview_status": {
        "new": "ny",
        "transcribing": "transskriberes",
        "transcribed": "transskriberet",
        "deidentified": "pseudonymiseret",
        "approved": "godkendt",
    },
    "entity": {
        "PERSON": "Person",
        "PLACE": "Sted",
        "ORGANISATION": "Organisation",
        "ADDRESS": "Adresse",
        "CPR": "CPR-nummer",
        "PHONE": "Telefonnummer",
        "EMAIL": "E-mail",
        "URL": "Webadresse",
        "DATE": "Dato",
    },
    "decision": {
        "proposed": "foreslået",
        "accepted": "godkendt",
        "rejected": "afvist",
        "stale": "forældet",
    },
    "scope": {"occurrence": "denne forekomst", "project": "hele projektet"},
    "job_status": {
        "queued": "i kø",
        "running": "i gang",
        "done": "færdig",
        "failed": "mislykkedes",
        "interrupted": "afbrudt",
        "cancelled": "annulleret",
    },
    "arm": {"intervention": "indsats", "control": "kontrol"},
    "speaker_role": {
        "interviewer": "interviewer",
        "citizen": "borger",
        "staff": "medarbejder",
        "relative": "pårørende",
        "jobkonsulent": "jobkonsulent",
    },
    "action": {
        "coding.add": "kodning tilføjet",
        "coding.remove": "kodning fjernet",
        "coding.memo": "memo på kodning",
        "coding.change": "kode skiftet",
        "coding.compare": "sammenligning åbnet",
        "coding.import": "kodninger importeret",
        "consensus.reconcile": "konsensus besluttet",
        "consensus.remove": "konsensus fjernet",
        "consensus.mark": "citat markeret",
        "deid.approve": "pseudonymisering godkendt",
        "deid.decide": "pseudonymiseringsbeslutning",
        "memo.add": "memo oprettet",
        "memo.edit": "memo ændret",
        "memo.delete": "memo slettet",
        "transcript.approve": "transskription godkendt",
        "audio.delete": "lyd slettet",
        "export": "eksport",
        "login": "log-ind",
    },
    "capability": {
        "interview.list": "se interviewlisten",
        "transcript.read": "læse transskriptioner",
        "transcript.edit": "rette transskriptioner",
        "transcribe": "transskribere",
        "transcript.approve": "godkende transskriptioner",
        "deid.review": "gennemgå pseudonymisering",
        "vault.read": "læse nøgleboksen",
        "codebook.read": "læse kodebogen",
        "codebook.edit": "rette kodebogen",
        "coding.write": "kode",
        "coding.compare": "sammenligne kodere",
        "consensus.read": "læse konsensuskodninger",
        "consensus.write": "beslutte konsensus",
        "participant.read": "se deltagere",
        "participant.import": "importere deltagere",
        "delivery.log": "registrere leverancer",
        "delivery.read": "se leverancer",
        "delivery.import": "importere leverancer",
        "tally.read": "se optællinger",
        "export": "eksportere",
        "quote.star": "markere citater",
        "project.import": "importere projekter",
        "user.manage": "administrere brugere",
        "project.settings": "ændre projektindstillinger",
        "participant.withdraw": "melde deltagere ud",
        "audit.read": "læse revisionssporet",
    },
    "component": {
        "jk_moede": "Opfølgende møde med jobkonsulent",
        "trepartssamtale": "Trepartssamtale",
    },
}


def label(kind: str, raw: str | None) -> str:
    """The Danish label of a stored key; the raw value where none is known."""
    if raw is None:
        return ""
    return LABELS.get(kind, {}).get(str(raw), str(raw))
