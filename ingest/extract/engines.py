"""The OCR engines behind one interface: an engine reads a page into text boxes (text, score,
position). RapidOCR (PP-OCR models run by onnxruntime) and tesseract; both load their heavy parts
only when first used, once per process. Pure: no Django."""

import itertools
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from PIL import Image


@dataclass(frozen=True)
class TextBox:
    """One line of text an engine recognised: its score (0..1) and box (x0, y0, x1, y1) in pixels."""

    text: str
    confidence: float
    box: tuple[float, float, float, float]


class OcrEngine(Protocol):
    name: str

    def read(self, image: Image.Image) -> list[TextBox]: ...


class RapidOcrEngine:
    """PP-OCR models run by onnxruntime, shipped inside the rapidocr wheel (offline). Calls are
    serialised: RapidOCR keeps per-call settings on the instance."""

    name = "rapidocr"

    def __init__(self, *, threads: int = 1, detection_side: int = 1280):
        # Imported here: loading onnxruntime and the models takes seconds, and most importers of
        # this module only parse text boxes.
        from rapidocr import RapidOCR

        self._ocr = RapidOCR(
            params={
                "Global.log_level": "warning",
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                # Text is found on a copy at most this large (recognition still reads the page at
                # up to 2000 px): the detector's cost grows with the area, and at 1280 px an
                # invoice's smallest print is still found.
                "Det.limit_type": "max",
                "Det.limit_side_len": detection_side,
            }
        )
        self._lock = threading.Lock()

    def read(self, image: Image.Image) -> list[TextBox]:
        with self._lock:
            result = self._ocr(image)
        if result.boxes is None or result.txts is None:
            return []
        return [
            TextBox(text, float(score), _bounds(points))
            for points, text, score in zip(result.boxes, result.txts, result.scores, strict=True)
        ]


def _bounds(points) -> tuple[float, float, float, float]:
    xs, ys = [float(point[0]) for point in points], [float(point[1]) for point in points]
    return (min(xs), min(ys), max(xs), max(ys))


class TesseractEngine:
    """Tesseract (chi_sim+eng) through pytesseract; its words are joined into lines, split where a
    wide gap shows two columns."""

    name = "tesseract"
    timeout_seconds = 120

    def __init__(self, *, languages: str = "chi_sim+eng"):
        # Tesseract's OpenMP threads fight each other in a pool of worker processes and are slower
        # than one thread on pages this size; the child process inherits this.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self.languages = languages

    def read(self, image: Image.Image) -> list[TextBox]:
        import pytesseract

        data = pytesseract.image_to_data(
            image,
            lang=self.languages,
            config="--psm 3",
            output_type=pytesseract.Output.DICT,
            timeout=self.timeout_seconds,
        )
        words = [
            (data["block_num"][i], data["par_num"][i], data["line_num"][i], _tesseract_word(data, i))
            for i in range(len(data["text"]))
            if data["text"][i].strip() and float(data["conf"][i]) >= 0
        ]
        lines = itertools.groupby(words, key=lambda word: word[:3])
        return [box for _, line in lines for box in _line_boxes([word[3] for word in line])]


def _tesseract_word(data: dict, i: int) -> TextBox:
    left, top = data["left"][i], data["top"][i]
    box = (left, top, left + data["width"][i], top + data["height"][i])
    return TextBox(data["text"][i].strip(), float(data["conf"][i]) / 100, box)


def _line_boxes(words: list[TextBox]) -> Iterable[TextBox]:
    height = max(word.box[3] - word.box[1] for word in words)
    segment: list[TextBox] = []
    for word in words:
        if segment and word.box[0] - segment[-1].box[2] > 2 * height:
            yield _joined(segment)
            segment = []
        segment.append(word)
    yield _joined(segment)


def _joined(words: list[TextBox]) -> TextBox:
    text = words[0].text
    for before, word in itertools.pairwise(words):
        # Chinese has no spaces between words; a space only between two Latin or digit words.
        text += word.text if is_cjk(before.text[-1]) or is_cjk(word.text[0]) else " " + word.text
    box = (
        min(word.box[0] for word in words),
        min(word.box[1] for word in words),
        max(word.box[2] for word in words),
        max(word.box[3] for word in words),
    )
    return TextBox(text, sum(word.confidence for word in words) / len(words), box)


def is_cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


ENGINES: dict[str, Callable[[], OcrEngine]] = {"rapidocr": RapidOcrEngine, "tesseract": TesseractEngine}
_engines: dict[str, OcrEngine] = {}
_engines_lock = threading.Lock()


def get_engine(name: str = "rapidocr") -> OcrEngine:
    """The process's one instance of an engine: RapidOCR takes seconds and much memory to load."""
    with _engines_lock:
        if name not in _engines:
            if name not in ENGINES:
                raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(ENGINES)}")
            _engines[name] = ENGINES[name]()
        return _engines[name]
