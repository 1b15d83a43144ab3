"""The name an original downloads under: the one it was uploaded with, its extension made to
match what the file is (a 数电 XML sent as .txt downloads as .xml)."""

from pathlib import PurePath

from ingest.models import StoredFile

EXTENSIONS = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png", "tiff": ".tif", "xml": ".xml", "ofd": ".ofd"}
SAME = {".jpeg": ".jpg", ".tiff": ".tif"}


def download_name(stored: StoredFile) -> str:
    name = PurePath(stored.name.replace("\\", "/")).name or "original"
    extension = EXTENSIONS.get(stored.media)
    suffix = PurePath(name).suffix.lower()
    if extension is None or SAME.get(suffix, suffix) == extension:
        return name
    return (PurePath(name).stem if suffix else name) + extension
