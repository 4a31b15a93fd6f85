"""Small PDFs written by hand for the thumbnail tests: a plain page, pages of odd shapes, and
an image whose declared pixels unpack to gigabytes (a decompression bomb in a few megabytes).

The files follow the PDF 1.4 layout (objects, a cross-reference table, a trailer) so that a
reader takes them as they are rather than repairing them.
"""

import zlib


def page_pdf(*, width=612, height=792, image=None) -> bytes:
    """One page ``width`` × ``height`` points; with ``image`` (pixels wide, high), the page is that
    RGB image, all black, Flate-compressed row by row."""
    if image is None:
        content = b"BT /F1 24 Tf 72 700 Td (A paper) Tj ET"
        resources = b"<< /Font << /F1 5 0 R >> >>"
    else:
        content = b"q %d 0 0 %d 0 0 cm /Im0 Do Q" % (width, height)
        resources = b"<< /XObject << /Im0 5 0 R >> >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources %s /Contents 4 0 R >>"
        % (width, height, resources),
        _stream(b"", content),
    ]
    if image is None:
        objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    else:
        pixels_wide, pixels_high = image
        objects.append(
            _stream(
                b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                b"/BitsPerComponent 8 /Filter /FlateDecode " % (pixels_wide, pixels_high),
                _zeros(pixels_wide * 3, pixels_high),
            )
        )
    return _document(objects)


def _zeros(row_bytes, rows):
    compressor = zlib.compressobj(9)
    row = bytes(row_bytes)
    return b"".join([*(compressor.compress(row) for _ in range(rows)), compressor.flush()])


def _stream(dictionary, data):
    return b"<< %s/Length %d >>\nstream\n" % (dictionary, len(data)) + data + b"\nendstream"


def _document(objects):
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table)
    return out
