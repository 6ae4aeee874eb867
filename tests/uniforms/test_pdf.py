"""The printable documents: the CJK font is embedded, Chinese text reads back, the QR labels carry their tags."""
import datetime as dt
import io
import subprocess

import pytest
import segno
from PIL import Image
from pypdf import PdfReader

from assets import services as ledger
from uniforms import pdf, services

from .conftest import stock

pytestmark = pytest.mark.django_db

DPI = 300
MM = DPI / 25.4


def _embedded_fonts(reader: PdfReader) -> set[str]:
    """Names of the fonts whose program is inside the file (FontFile, FontFile2 or FontFile3)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for f in fonts:
                descriptor = f.get("/FontDescriptor")
                if descriptor and any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(f["/BaseFont"]))
    return names


def _text(content: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(content))
    return "".join(p.extract_text() for p in reader.pages), reader


def test_receipt_and_checklist_embed_the_cjk_font(bureau):
    stock(bureau["units"]["CZ-TN"], "长袖衬衣", "170", 2, "U")
    receipt = services.handover_commit(mode="issue", tags=["U-1", "U-2"], person=bureau["officer"], note="春季换装")
    text, reader = _text(pdf.receipt_pdf(receipt))
    assert _embedded_fonts(reader), "no embedded font: Chinese would depend on the reader's fonts"
    for expected in ("装备交接单", receipt.number, "长袖衬衣", "张三", "春季换装", "共 2 件", "发放人（签字）"):
        assert expected in text
    departure = services.person_depart(person=bureau["officer"], kind="transferred")
    text, reader = _text(pdf.departure_checklist_pdf(departure))
    assert _embedded_fonts(reader)
    assert "离岗装备清退单" in text and "调离" in text and "未交回" in text and "U-2" in text


def test_label_sheet_qr_codes_carry_the_tags(bureau, tmp_path):
    assets = stock(bureau["units"]["CZ-TN"], "长袖衬衣", "170", 2, "U")
    assets.append(ledger.asset_create(tag="R-0001", category="radio", unit=bureau["units"]["CZ-TN-01"], item="对讲机"))
    content = pdf.labels_pdf(assets)
    text, reader = _text(content)
    assert _embedded_fonts(reader)
    assert "制式服装 长袖衬衣" in text and "尺码 170" in text and "对讲机" in text and "CZ-TN-01" in text

    (tmp_path / "labels.pdf").write_bytes(content)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-singlefile", str(tmp_path / "labels.pdf"),
                    str(tmp_path / "page")], check=True)
    image = Image.open(tmp_path / "page.png").convert("L")
    # The label grid of labels_pdf (3×8 on A4, 7 mm / 10 mm margins); each QR sits 2 mm inside its label.
    label_w, label_h = (210 - 14) / 3, (297 - 20) / 8
    for slot, asset in enumerate(assets):
        matrix = [list(row) for row in segno.make(asset.tag, error="m", micro=False).matrix]
        cells = len(matrix) + 4
        left = (7 + (slot % 3) * label_w + 2) * MM
        top = (10 + (slot // 3) * label_h + 2) * MM
        cell = (label_h - 4) * MM / cells
        drawn = [[image.getpixel((int(left + (c + 2.5) * cell), int(top + (r + 2.5) * cell))) < 128
                  for c in range(len(matrix))] for r in range(len(matrix))]
        assert drawn == [[bool(v) for v in row] for row in matrix], asset.tag


def test_seal_handover_and_surrender_receipts_name_both_sides(bureau):
    seal = ledger.asset_create(tag="SEAL-1", category="seal", unit=bureau["units"]["CZ-TN"], item="行政执法专用章")
    services.seal_assign(seal=seal, custodian=bureau["officer"])
    handover = services.seal_handover(seal=seal, outgoing=bureau["officer"], incoming=bureau["auxiliary"])
    text, _reader = _text(pdf.receipt_pdf(handover.receipt))
    assert "印章交接" in text and "移交人（签字）" in text and "接收人（签字）" in text
    assert "张三" in text and "李四" in text and "行政执法专用章" in text
    services.certificate_issue(person=bureau["officer"], tag="C-1", number="JS7001", expires_on=dt.date(2030, 1, 1))
    text, _reader = _text(pdf.receipt_pdf(services.certificate_surrender(person=bureau["officer"])))
    assert "证件上缴" in text and "法制机构接收人（签字）" in text and "JS7001" in text


def test_documents_follow_the_interface_language(bureau):
    """An officer using the English interface prints English forms; the data stays as entered."""
    from django.utils import translation

    stock(bureau["units"]["CZ-TN"], "长袖衬衣", "170", 1, "U")
    receipt = services.handover_commit(mode="issue", tags=["U-1"], person=bureau["officer"])
    departure = services.person_depart(person=bureau["officer"], kind="transferred")
    with translation.override("en"):
        receipt_text, _reader = _text(pdf.receipt_pdf(receipt))
        checklist_text, _reader = _text(pdf.departure_checklist_pdf(departure))
        labels_text, _reader = _text(pdf.labels_pdf([]))
    for expected in ("Equipment hand-over receipt", "Total items: 1", "Issued by (signature):", "长袖衬衣"):
        assert expected in receipt_text
    assert "装备交接单" not in receipt_text and "签字" not in receipt_text
    assert "Departure equipment return checklist" in checklist_text and "Returned by (signature):" in checklist_text
    assert "No labels" in labels_text


def test_names_and_notes_with_markup_print_as_text(bureau, tmp_path):
    """A person's name or a receipt's note is data: `<…>` neither breaks the PDF nor pulls in a server file."""
    secret = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), (200, 0, 0)).save(secret)
    officer = bureau["officer"]
    officer.name = "张<b>三"
    officer.save(update_fields=["name"])
    stock(bureau["units"]["CZ-TN"], "长袖衬衣", "170", 1, "U")
    receipt = services.handover_commit(mode="issue", tags=["U-1"], person=officer,
                                       note=f'<img src="{secret}" width="40" height="40"/> a < b')
    content = pdf.receipt_pdf(receipt)
    text, reader = _text(content)
    assert [img for page in reader.pages for img in page.images] == []
    assert "张<b>三" in text and f'<img src="{secret}"' in text.replace("\n", "") and "a < b" in text
    text, _reader = _text(pdf.departure_checklist_pdf(services.person_depart(person=officer, kind="transferred")))
    assert "张<b>三" in text
