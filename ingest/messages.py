"""Why a job ended as it did, in words a clerk understands (translated by code)."""

from django.utils.translation import gettext_lazy as _

REASONS = {
    # the file
    "empty": _("The file is empty."),
    "unknown_format": _(
        "This is not a file Fapiao Desk reads: send a PDF, an OFD or 数电 XML file, a JPEG, PNG or TIFF "
        "image, or a ZIP of these."
    ),
    "corrupt": _("The file is damaged or cut short and cannot be read."),
    "encrypted": _("The PDF is protected by a password. Save it without the password and upload it again."),
    "too_large": _("The file is too large to read (too many pages, pixels or members)."),
    "unsafe_archive": _("The archive was refused: it would unpack outside its folder or to an unusual size."),
    "unsafe_xml": _("The XML was refused: it declares entities or a DTD, which invoice XML never needs."),
    "not_invoice": _("No invoice was found in the file."),
    "unsafe_file": _("The file could not be read safely."),
    "storage_full": _("The server's disk is full; the file was not kept. Tell your admin."),
    # the job
    "unpacked": _("Unpacked into %(count)s files."),
    "split": _("The file holds %(count)s invoices; each has a job of its own."),
    "same_file": _("The same file was uploaded before (%(name)s, %(at)s)."),
    "duplicate_invoice": _("This invoice is already in the ledger (%(identity)s)."),
    "duplicate_job": _("This invoice (%(identity)s) is already being captured from %(name)s."),
    "other_buyer": _(
        "The buyer is another taxpayer: %(name)s (taxpayer ID %(tin)s). It goes into this company's "
        "ledger only if you choose so and say why."
    ),
    "no_buyer_tin": _(
        "The invoice names no buyer taxpayer ID (buyer: %(name)s). It goes into this company's ledger "
        "only if you choose so and say why."
    ),
    "moved": _("Moved to %(company)s."),
    "missing_fields": _("Some key fields could not be read: %(fields)s."),
    "uncertain": _("Some fields need a look before the invoice goes into the ledger."),
    # A job whose reading was started twice and never finished: the sweep does not send it a third time.
    "stuck": _(
        "The file could not be read safely: reading it stopped twice before it finished (the process "
        "reading it died). The original is kept; enter the invoice by hand, or retry it."
    ),
    "internal": _("Something went wrong reading this file; it has been logged. Retry it later."),
    "rejected": _("Rejected: %(reason)s"),
}


# Files of a selection that were not kept; the others were.
REFUSALS = {
    "empty": _("%(name)s is empty (0 bytes): there is nothing in it to read."),
    "too_large": _("%(name)s is larger than %(limit)s MB."),
}


def refusal_text(refusal: dict) -> str:
    return str(REFUSALS[refusal["code"]] % refusal["params"])


def reason_text(code: str, params: dict | None = None) -> str:
    if not code:
        return ""
    message = REASONS.get(code, REASONS["internal"])
    if params and params.get("identity"):  # the matching key, as a person reads an invoice's number
        from invoices.identity_words import identity_words

        params = {**params, "identity": identity_words(params["identity"])}
    if params and params.get("fields"):  # kept as the form's field names: shown as its labels
        from ingest.cards import field_label

        params = {**params, "fields": "、".join(field_label(name) for name in params["fields"].split("、"))}
    return str(message % params) if params else str(message)
