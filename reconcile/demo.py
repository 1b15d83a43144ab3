"""The demo's bureau export: the tax bureau's 发票基础信息 of the demo ledger as the bureau would
return it, with one of each difference the desk explains, imported and reconciled once so that
`make run` opens on a finished reconciliation. Loading twice changes nothing."""

import io
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook

from accounts.models import Company, User
from invoices.fapiao import USCC_CHARS, uscc_check_char
from invoices.ledger_file import kind_text
from invoices.models import Invoice, Status
from invoices.selectors import invoice_queryset
from reconcile import running, services
from reconcile.models import BureauImport, ReconRun

HEADERS = (
    "序号",
    "发票代码",
    "发票号码",
    "数电发票号码",
    "销方识别号",
    "销方名称",
    "购方识别号",
    "购买方名称",
    "开票日期",
    "金额",
    "税额",
    "价税合计",
    "发票来源",
    "发票票种",
    "发票状态",
    "是否正数发票",
    "发票风险等级",
    "开票人",
    "备注",
)
FILE_NAME = "全量发票查询导出结果-发票基础信息.xlsx"


@dataclass
class _Row:
    invoice_number: str
    seller_tin: str
    seller_name: str
    buyer_tin: str
    buyer_name: str
    issued: date
    amount: Decimal
    tax: Decimal
    kind: str
    status: str = "正常"
    positive: bool = True
    drawer: str = ""
    remarks: str = ""


def _row(invoice: Invoice) -> _Row:
    return _Row(
        invoice.number,
        invoice.seller_tin,
        invoice.seller_name,
        invoice.buyer_tin,
        invoice.buyer_name,
        invoice.issue_date,
        invoice.amount,
        invoice.tax,
        kind_text(invoice.kind),
        positive=not invoice.is_red,
        drawer=invoice.drawer,
        remarks=invoice.remarks,
    )


def _tin(rng: random.Random) -> str:
    first17 = "91" + rng.choice(["310115", "320506", "440300"]) + "".join(rng.choices(USCC_CHARS, k=9))
    return first17 + uscc_check_char(first17)


def bureau_rows(company: Company, direction: str, today: date, sync_lag_days: int) -> list[_Row]:
    """The bureau's side of one direction of the demo ledger: most invoices as the ledger has
    them, and each difference once or twice."""
    rng = random.Random(f"{direction}-2026")  # noqa: S311 (repeatable demo data, not secrets)
    invoices = list(
        invoice_queryset(company=company)
        .filter(direction=direction, status=Status.NORMAL)
        .order_by("issue_date", "pk")
    )
    settled = [invoice for invoice in invoices if (today - invoice.issue_date).days > sync_lag_days + 5]
    chosen = rng.sample(settled, 12)
    missing, shifted, cent, day, typo, tin, voided, flushed, twice = (
        chosen[0:2],
        chosen[2],
        chosen[3],
        chosen[4],
        chosen[5],
        chosen[6],
        chosen[7],
        chosen[8],
        chosen[9],
    )
    recent = {invoice.pk for invoice in invoices if (today - invoice.issue_date).days <= sync_lag_days}
    left_out = {invoice.pk for invoice in missing} | recent  # not (yet) uploaded by the seller
    rows = []
    for invoice in invoices:
        if invoice.pk in left_out:
            continue
        row = _row(invoice)
        if invoice == shifted:
            row.tax *= 10  # the ledger's tax typed one decimal place off — or the bureau's: a case to explain
        elif invoice == cent:
            row.amount += Decimal("0.01")
        elif invoice == day:
            row.issued += timedelta(days=1)
        elif invoice == typo:
            row.invoice_number = row.invoice_number[:-2] + row.invoice_number[-1] + row.invoice_number[-2]
        elif invoice == tin:
            other = row.seller_tin if invoice.direction == "purchase" else row.buyer_tin
            changed = other[:-3] + ("1" if other[-3] != "1" else "2") + other[-2:]
            if invoice.direction == "purchase":
                row.seller_tin = changed
            else:
                row.buyer_tin = changed
        elif invoice == voided:
            row.status = "作废"
        elif invoice == flushed:
            row.status = "全额红冲"
        rows.append(row)
        if invoice == twice:
            rows.append(_row(invoice))
    for index in range(3 if direction == "purchase" else 0):  # issued to the company, never entered
        issued = today - timedelta(days=20 + 9 * index)
        amount = Decimal(rng.randrange(50_000, 900_000)) / 100
        rows.append(
            _Row(
                f"{issued:%y}312{rng.randrange(10**9):09d}{900 + index:06d}",
                _tin(rng),
                ("苏州工业园区示例包装有限公司", "深圳南山示例电子有限公司", "上海浦东示例物流有限公司")[
                    index
                ],
                company.tin,
                company.name,
                issued,
                amount,
                (amount * Decimal("0.13")).quantize(Decimal("0.01")),
                "数电发票（增值税专用发票）",
                drawer="陈静",
            )
        )
    return rows


def export_bytes(rows: list[_Row], first: date, last: date, taken: datetime) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "发票基础信息"
    sheet.append(["发票基础信息"])
    sheet.append(
        [f"查询条件：开票日期 {first:%Y-%m-%d} 至 {last:%Y-%m-%d}；导出时间 {taken:%Y-%m-%d %H:%M:%S}"]
    )
    sheet.append(list(HEADERS))
    for position, row in enumerate(rows, start=1):
        issued = datetime.combine(row.issued, time(9, position % 60, 12))
        sheet.append(
            [
                position,
                "",
                "",
                row.invoice_number,
                row.seller_tin,
                row.seller_name,
                row.buyer_tin,
                row.buyer_name,
                issued.strftime("%Y-%m-%d %H:%M:%S"),
                float(row.amount),
                float(row.tax),
                float(row.amount + row.tax),
                "电子发票服务平台",
                row.kind,
                row.status,
                "是" if row.positive else "否",
                "正常",
                row.drawer,
                row.remarks,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def load_demo_reconciliation(company: Company, by: User) -> list[ReconRun]:
    """Import the demo's bureau exports (sales, then purchases) and reconcile each, once; [] when
    the company has an import already."""
    if BureauImport.objects.of(company).exists():
        return []
    today = timezone.localdate()
    first = min(invoice_queryset(company=company).values_list("issue_date", flat=True))
    taken = timezone.localtime().replace(microsecond=0) - timedelta(hours=2)
    runs = []
    for direction, name in (("sales", "销项发票"), ("purchase", "进项发票")):
        rows = bureau_rows(company, direction, today, company.sync_lag_days)
        data = export_bytes(rows, first, today, taken)
        bureau_import, _created = services.bureau_import_create(
            company=company, by=by, name=f"{name}-{FILE_NAME}", data=data, direction=direction
        )
        services.read_import(bureau_import.pk)  # here, not by a worker: the demo opens finished
        run = ReconRun.objects.of(company).filter(bureau_import=bureau_import).first()
        if run is not None:
            running.execute_run(run.pk)
            run.refresh_from_db()
            runs.append(run)
    return runs
