"""A picture of an OFD page for the viewer: each printed character drawn where the page places it,
at its size, in a CJK font. Pure: no Django; run in a child process (sandbox/) like every reader
of uploaded bytes. Lines, seals and images are not drawn: the text is what a reviewer compares."""

from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from ingest.extract.ofd import page_layout

PIXELS_PER_MM = 7  # about 180 dpi: the smallest print of an invoice stays readable
MAX_SIDE = 2400
FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
INK = (40, 40, 40)
FRAME = (200, 200, 200)


@lru_cache(maxsize=64)
def cjk_font(pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        try:
            return ImageFont.truetype(path, pixels)
        except OSError:
            continue
    return ImageFont.load_default(pixels)


def ofd_page_image(data: bytes, page: int) -> Image.Image | None:
    """Page `page` (0-based) of the OFD; None when it has no such page."""
    (width_mm, height_mm), pages = page_layout(data)
    if not 0 <= page < len(pages):
        return None
    scale = min(PIXELS_PER_MM, MAX_SIDE / max(width_mm, height_mm))
    image = Image.new("RGB", (round(width_mm * scale), round(height_mm * scale)), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, image.width - 1, image.height - 1), outline=FRAME)
    for glyph in pages[page]:
        pixels = max(6, round((glyph.y1 - glyph.y0) * scale * 0.8))
        # The glyph's box runs from just below the baseline up, y growing upwards from the page top.
        draw.text((glyph.x0 * scale, -glyph.y1 * scale), glyph.printed, fill=INK, font=cjk_font(pixels))
    return image
