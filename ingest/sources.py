"""Where a captured invoice came from, as people name it: a scan (an image), a PDF, 数电 XML or OFD."""

from django.utils.translation import gettext_lazy as _

from ingest.sniff import IMAGES, OFD, PDF, UNKNOWN, XML, ZIP

SOURCES = {"scan": IMAGES, "pdf": (PDF,), "xml": (XML,), "ofd": (OFD,), "other": (ZIP, UNKNOWN)}
SOURCE_LABELS = {
    "scan": _("Scan or photo"),
    "pdf": _("PDF"),
    "xml": _("数电 XML"),
    "ofd": _("OFD"),
    "other": _("Other"),
}
