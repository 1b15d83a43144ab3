"""Page images from scans and PDFs: formats, orientation, caps, hostile files, OCR preparation."""

import io
import time

import numpy as np
import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ingest.extract.base import ExtractError
from ingest.extract.images import _skew_angle, load_images, prepare_for_ocr, render_pdf_pages
from invoices.fapiao import Kind
from tests.fixtures.invoice_images import (
    bomb_png,
    encrypted_pdf,
    generated_scan,
    image_bytes,
    multipage_tiff,
    no_invoice_photo,
)
from tests.fixtures.samples import over_samples, sample_names, sample_path

EXIF_ORIENTATION = 274


def extract_error(call) -> str:
    with pytest.raises(ExtractError) as caught:
        call()
    return caught.value.code


def blank_pdf(*sizes: tuple[float, float]) -> bytes:
    document = pdfium.PdfDocument.new()
    for width, height in sizes:
        document.new_page(width, height)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def scan():
    return generated_scan(0, Kind.E_ORDINARY)


@over_samples("name", lambda: sample_names("img"))
def test_it_loads_every_sample_image_as_one_rgb_page(name):
    path = sample_path(f"img/{name}")
    pages = load_images(path.read_bytes())

    assert len(pages) == 1
    assert pages[0].mode == "RGB"
    assert pages[0].size == Image.open(path).size


@over_samples("name", lambda: sample_names("pdf"))
def test_it_renders_every_sample_pdf_at_200_dpi(name):
    pages = render_pdf_pages(sample_path(f"pdf/{name}").read_bytes())

    assert len(pages) == 1
    assert pages[0].mode == "RGB"
    assert min(pages[0].size) > 1000


def test_it_turns_a_photo_upright_as_its_exif_says(scan):
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6  # the camera was held rotated 90° clockwise
    data = image_bytes(scan.image, "JPEG", quality=90, exif=exif)

    (page,) = load_images(data)

    assert page.size == (scan.image.height, scan.image.width)


def test_it_reads_every_page_of_a_tiff():
    data, scans = multipage_tiff(pages=3)

    pages = load_images(data)

    assert [page.size for page in pages] == [scan.image.size for scan in scans]
    assert np.array_equal(np.asarray(pages[2]), np.asarray(scans[2].image))


def test_it_flattens_a_transparent_screenshot_onto_white():
    data = image_bytes(Image.new("RGBA", (40, 30), (0, 0, 0, 0)), "PNG")

    (page,) = load_images(data)

    assert page.getpixel((5, 5)) == (255, 255, 255)


def test_it_refuses_a_decompression_bomb_without_decoding_it():
    data = bomb_png(20_000, 20_000)
    started = time.perf_counter()

    assert extract_error(lambda: load_images(data)) == "too_large"
    assert time.perf_counter() - started < 1  # decoding 400 megapixels would take far longer


def test_it_refuses_an_image_over_its_own_pixel_cap_that_pillow_would_allow():
    data = bomb_png(7_000, 7_000)  # 49 megapixels: below Pillow's limit, above ours

    assert extract_error(lambda: load_images(data)) == "too_large"
    assert extract_error(
        lambda: load_images(image_bytes(Image.new("RGB", (300, 200))), max_pixels=50_000)
    ) == ("too_large")


def test_it_refuses_a_tiff_with_more_pages_than_allowed():
    data, _ = multipage_tiff(pages=3)

    assert extract_error(lambda: load_images(data, max_pages=2)) == "too_large"


def test_it_loads_a_photo_with_no_invoice_on_it():
    (page,) = load_images(no_invoice_photo())

    assert page.size == (1600, 1200)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 3]


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow's note on the damaged TIFF header
@pytest.mark.parametrize(
    ("make_data", "code"),
    [
        (lambda scan: b"", "empty"),
        (lambda scan: b"plain text, not a picture", "unknown_format"),
        (lambda scan: blank_pdf((595.0, 842.0)), "unknown_format"),
        (lambda scan: truncated(image_bytes(scan.image, "PNG")), "corrupt"),
        (lambda scan: truncated(image_bytes(scan.image, "JPEG")), "corrupt"),
        (lambda scan: truncated(multipage_tiff(pages=2)[0]), "corrupt"),
        (lambda scan: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "corrupt"),
        (lambda scan: b"II*\x00" + b"\xff" * 64, "corrupt"),
    ],
    ids=[
        "empty",
        "text",
        "pdf",
        "truncated-png",
        "truncated-jpeg",
        "truncated-tiff",
        "png-header",
        "tiff-header",
    ],
)
def test_it_names_what_is_wrong_with_a_file_it_cannot_load(scan, make_data, code):
    assert extract_error(lambda: load_images(make_data(scan))) == code


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
@settings(max_examples=60, deadline=None)
@given(
    signature=st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*"]),
    tail=st.binary(max_size=400),
)
def test_it_raises_only_extract_errors_on_garbage_behind_an_image_signature(signature, tail):
    try:
        load_images(signature + tail)
    except ExtractError as error:
        assert error.code in ("corrupt", "too_large")


def test_it_names_what_is_wrong_with_a_pdf_it_cannot_render():
    assert extract_error(lambda: render_pdf_pages(b"")) == "empty"
    assert extract_error(lambda: render_pdf_pages(b"GIF89a not a pdf")) == "unknown_format"
    assert extract_error(lambda: render_pdf_pages(b"%PDF-1.7\n damaged beyond repair")) == "corrupt"
    assert extract_error(lambda: render_pdf_pages(encrypted_pdf())) == "encrypted"
    assert extract_error(lambda: render_pdf_pages(blank_pdf(*[(420, 297)] * 3), max_pages=2)) == "too_large"


def test_it_renders_a_huge_pdf_page_within_the_pixel_cap():
    (page,) = render_pdf_pages(blank_pdf((14_400, 14_400)))

    assert page.width * page.height <= 40_000_000


def test_it_prepares_a_page_for_ocr_in_grayscale(scan):
    prepared = prepare_for_ocr(scan.image)

    assert prepared.mode == "L"
    assert prepared.size == scan.image.size  # straight, and large enough already


def test_it_enlarges_a_small_scan_for_ocr(scan):
    small = scan.image.resize((800, 467))

    assert max(prepare_for_ocr(small).size) == 1600


@pytest.mark.parametrize("angle", [-3.0, 2.0])
def test_it_straightens_a_tilted_scan(scan, angle):
    tilted = scan.image.rotate(angle, expand=True, fillcolor=(255, 255, 255))

    assert _skew_angle(np.asarray(tilted.convert("L"))) == pytest.approx(-angle, abs=0.3)
    assert abs(_skew_angle(np.asarray(prepare_for_ocr(tilted)))) < 0.3
