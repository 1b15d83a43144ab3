"""A year of demo invoices for `make run`: about 200 for the first demo company and some for the
second, made the way a clerk would (through the services, so findings and history are real), with
a few broken in the ways that make an invoice go missing from the bureau's data."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from accounts.models import Company, User
from invoices import services
from invoices.drafts import clean_draft
from invoices.fapiao import Kind, decimal_to_words, uscc_check_char
from invoices.models import Source, Status
from invoices.periods import filing_month, month_bounds
from invoices.selectors import invoice_queryset

CENT = Decimal("0.01")


def demo_tin(first17: str) -> str:
    return first17 + uscc_check_char(first17)


@dataclass(frozen=True)
class Partner:
    name: str
    tin: str
    items: tuple[tuple[str, str, str, str], ...]  # item, tax classification code, unit, rate


SUPPLIERS = (
    Partner(
        "深圳市示例电子科技有限公司",
        demo_tin("91440300MA5DEM001"),
        (
            ("*计算机外部设备*显示器", "1090511030000000000", "台", "0.13"),
            ("*计算机*笔记本电脑", "1090511010000000000", "台", "0.13"),
        ),
    ),
    Partner(
        "杭州示例文具用品有限公司",
        demo_tin("91330106MA2DEM002"),
        (
            ("*纸制品*打印纸", "1060201010000000000", "箱", "0.13"),
            ("*文具*中性笔", "1060509000000000000", "盒", "0.13"),
        ),
    ),
    Partner(
        "上海示例物流有限公司",
        demo_tin("91310115MA1DEM003"),
        (("*运输服务*国内道路货物运输服务", "3010102020100000000", "次", "0.09"),),
    ),
    Partner(
        "北京示例咨询服务有限公司",
        demo_tin("91110108MA0DEM004"),
        (("*现代服务*咨询服务费", "3040802010000000000", "项", "0.06"),),
    ),
    Partner(
        "苏州示例包装材料有限公司",
        demo_tin("91320505MA1DEM005"),
        (("*纸制品*瓦楞纸箱", "1060202000000000000", "个", "0.13"),),
    ),
    Partner(
        "上海示例餐饮管理有限公司",
        demo_tin("91310104MA1DEM006"),
        (("*餐饮服务*餐费", "3070401000000000000", "次", "0.06"),),
    ),
    Partner(
        "广州示例办公设备有限公司",
        demo_tin("91440101MA5DEM007"),
        (("*办公设备*多功能一体机", "1090612000000000000", "台", "0.13"),),
    ),
    Partner(
        "成都示例软件有限公司",
        demo_tin("91510100MA6DEM008"),
        (("*信息技术服务*软件维护服务", "3040201000000000000", "年", "0.06"),),
    ),
)
CUSTOMERS = (
    Partner(
        "南京示例贸易有限公司",
        demo_tin("91320100MA1DEM011"),
        (("*纸制品*打印纸", "1060201010000000000", "箱", "0.13"),),
    ),
    Partner(
        "武汉示例商业有限公司",
        demo_tin("91420100MA4DEM012"),
        (("*文具*文件夹", "1060509000000000000", "个", "0.13"),),
    ),
    Partner(
        "天津示例实业有限公司",
        demo_tin("91120116MA0DEM013"),
        (("*计算机外部设备*显示器", "1090511030000000000", "台", "0.13"),),
    ),
    Partner(
        "重庆示例百货有限公司",
        demo_tin("91500103MA6DEM014"),
        (("*纸制品*瓦楞纸箱", "1060202000000000000", "个", "0.13"),),
    ),
)


class _Ledger:
    def __init__(self, company: Company, by: User, seed: int):
        self.company, self.by = company, by
        self.random = random.Random(seed)  # noqa: S311 (repeatable demo data, not secrets)
        self.sequence = 0
        self.today = timezone.localdate()

    def number(self, seller_tin: str, issued: date) -> str:
        self.sequence += 1
        return f"{issued:%y}{seller_tin[2:4]}2{self.random.randrange(10**9):09d}{self.sequence:06d}"

    def lines(self, partner: Partner) -> list[dict]:
        lines = []
        for _index in range(self.random.choice((1, 1, 1, 2, 3))):
            item, code, unit, rate = self.random.choice(partner.items)
            quantity = self.random.choice((1, 2, 5, 10, 20, 50))
            price = Decimal(self.random.randrange(2000, 600000)) / 100
            amount = (price * quantity).quantize(CENT)
            tax = (amount * Decimal(rate)).quantize(CENT, ROUND_HALF_UP)
            lines.append(
                {
                    "item_name": item,
                    "tax_classification_code": code,
                    "unit": unit,
                    "quantity": quantity,
                    "unit_price": price,
                    "amount": amount,
                    "rate": rate,
                    "tax": tax,
                }
            )
        return lines

    def values(self, direction: str, partner: Partner, issued: date, **overrides) -> tuple[dict, list[dict]]:
        lines = self.lines(partner)
        amount = sum((line["amount"] for line in lines), Decimal(0))
        tax = sum((line["tax"] for line in lines), Decimal(0))
        purchase = direction == "purchase"
        seller = (partner.name, partner.tin) if purchase else (self.company.name, self.company.tin)
        buyer = (self.company.name, self.company.tin) if purchase else (partner.name, partner.tin)
        special = self.random.random() < 0.7
        values = {
            "direction": direction,
            "kind": Kind.DIGITAL_SPECIAL if special else Kind.DIGITAL_ORDINARY,
            "number": self.number(seller[1], issued),
            "issue_date": issued,
            "seller_name": seller[0],
            "seller_tin": seller[1],
            "buyer_name": buyer[0],
            "buyer_tin": buyer[1],
            "amount": amount,
            "tax": tax,
            "total": amount + tax,
            "total_in_words": decimal_to_words(amount + tax),
            "drawer": self.random.choice(("王芳", "李娜", "张伟", "刘洋")),
        }
        values.update(overrides)
        return values, lines

    def add(self, values: dict, lines: list[dict], *, status: str = Status.NORMAL):
        return services.invoice_create(
            company=self.company,
            by=self.by,
            draft=clean_draft(values, lines),
            source=Source.MANUAL,
            status=status,
        )

    def issued(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)


def load_demo_invoices(company: Company, by: User, *, count: int, seed: int) -> int:
    """Fill an empty demo ledger; a ledger that has invoices is left alone. Returns how many were added."""
    if invoice_queryset(company=company).exists():
        return 0
    ledger = _Ledger(company, by, seed)
    added = []
    closing = filing_month(ledger.today)
    closing_days = range(
        max(2, (ledger.today - month_bounds(closing)[1]).days), (ledger.today - closing).days + 1
    )
    for _index in range(count):
        # A third of the year's invoices in the month being closed: the dashboard opens on a full month.
        days_ago = (
            ledger.random.choice(closing_days)
            if ledger.random.random() < 0.33
            else ledger.random.randrange(2, 365)
        )
        if ledger.random.random() < 0.65:
            added.append(
                ledger.add(
                    *ledger.values("purchase", ledger.random.choice(SUPPLIERS), ledger.issued(days_ago))
                )
            )
        else:
            added.append(
                ledger.add(*ledger.values("sales", ledger.random.choice(CUSTOMERS), ledger.issued(days_ago)))
            )
    added += _broken(ledger)
    _tick_old_purchases(ledger, added)
    return len(added)


def _broken(ledger: _Ledger) -> list:
    """The invoices that the desk exists to catch."""
    supplier, other = SUPPLIERS[0], SUPPLIERS[1]
    tin = ledger.company.tin
    typo = tin[:-3] + tin[-2] + tin[-3] + tin[-1]  # two characters swapped by the seller's clerk
    broken = [
        ledger.add(*ledger.values("purchase", supplier, ledger.issued(40), buyer_tin=typo)),
        ledger.add(*ledger.values("purchase", other, ledger.issued(33), buyer_name="示例商贸", buyer_tin="")),
    ]
    values, lines = ledger.values("purchase", other, ledger.issued(25))
    shifted = [{**line, "tax": line["tax"] * 10} for line in lines]  # the decimal point typed one place late
    shifted_tax = sum((line["tax"] for line in shifted), Decimal(0))
    broken.append(
        ledger.add(
            {
                **values,
                "tax": shifted_tax,
                "total": values["amount"] + shifted_tax,
                "total_in_words": decimal_to_words(values["amount"] + shifted_tax),
            },
            shifted,
        )
    )
    values, lines = ledger.values("purchase", supplier, ledger.issued(20))
    broken.append(ledger.add({**values, "total_in_words": decimal_to_words(values["total"] * 10)}, lines))
    values, lines = ledger.values("purchase", SUPPLIERS[2], ledger.issued(15))
    first = ledger.add(values, lines)
    near = first.number[:-1] + str((int(first.number[-1]) + 1) % 10)
    broken += [first, ledger.add({**values, "number": near}, lines)]
    values, lines = ledger.values("sales", CUSTOMERS[0], ledger.issued(60))
    blue = ledger.add(values, lines)
    red_lines = [{**line, "amount": -line["amount"], "tax": -line["tax"]} for line in lines[:1]]
    red_amount, red_tax = red_lines[0]["amount"], red_lines[0]["tax"]
    broken += [
        blue,
        ledger.add(
            {
                **values,
                "number": ledger.number(tin, ledger.issued(50)),
                "issue_date": ledger.issued(50),
                "amount": red_amount,
                "tax": red_tax,
                "total": red_amount + red_tax,
                "total_in_words": decimal_to_words(red_amount + red_tax),
                "is_red": True,
                "blue_identity": blue.identity,
                "remarks": f"被红冲蓝字数电发票号码：{blue.identity}",
            },
            red_lines,
        ),
    ]
    values, lines = ledger.values("purchase", SUPPLIERS[3], ledger.issued(12))
    broken.append(ledger.add(values, lines, status=Status.VOIDED))
    # Issued yesterday: not in the bureau's data yet, and not late either.
    broken.append(ledger.add(*ledger.values("purchase", SUPPLIERS[1], ledger.issued(1))))
    return broken


def _tick_old_purchases(ledger: _Ledger, invoices: list) -> None:
    """Purchases from before last month are ticked for deduction in their month; meals are not deductible."""
    cutoff = ledger.today.replace(day=1) - timedelta(days=1)
    by_month: dict[date, list[int]] = {}
    meals = []
    for invoice in invoices:
        if invoice.direction != "purchase" or invoice.issue_date > cutoff or invoice.error_count:
            continue
        if invoice.seller_tin == SUPPLIERS[5].tin:
            meals.append(invoice.pk)
        else:
            by_month.setdefault(invoice.issue_date.replace(day=1), []).append(invoice.pk)
    for period, ids in by_month.items():
        services.invoice_set_deduction(
            company=ledger.company, invoice_ids=ids, by=ledger.by, deduction="deducted", period=period
        )
    services.invoice_set_deduction(
        company=ledger.company,
        invoice_ids=meals,
        by=ledger.by,
        deduction="not_deductible",
        not_deductible_reason="welfare",
    )
