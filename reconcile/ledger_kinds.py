"""What a run tells the ledger besides its differences: the kind (专票 or 普票) of the 数电 invoices
a hand-kept ledger brought in without one, read from the bureau's record of the same invoice."""

from django.utils.translation import gettext as _

from invoices import services as ledger
from invoices.fapiao import Kind
from reconcile.models import ReconRun
from reconcile.records import InvoiceRecord, Result


def kinds_from_bureau(
    results: list[Result], ledger_by_key: dict[str, InvoiceRecord], bureau_by_key: dict[str, InvoiceRecord]
) -> dict[int, str]:
    """Ledger invoice id -> the bureau's kind, for each ledger invoice of unknown kind that the run
    paired with the bureau's record of the same identity."""
    kinds = {}
    for result in results:
        if not (result.ledger_key and result.bureau_key):
            continue
        ours, theirs = ledger_by_key[result.ledger_key], bureau_by_key[result.bureau_key]
        if ours.kind == Kind.DIGITAL_UNKNOWN and ours.identity == theirs.identity:
            kinds[int(result.ledger_key)] = theirs.kind
    return kinds


def confirm_ledger_kinds(run: ReconRun, results, ledger_by_key, bureau_by_key) -> int:
    """Fill those kinds in (invoices.services, with an event naming the export); how many."""
    kinds = kinds_from_bureau(results, ledger_by_key, bureau_by_key)
    if not kinds:
        return 0
    reason = _("Kind taken from the bureau's export %(file)s") % {"file": run.bureau_import.stored_file.name}
    return ledger.invoices_confirm_kind(company=run.company, kinds=kinds, by=None, reason=reason)
