"""The ledger's search at size: 200,000 invoices (160,000 of them in one company) with 400,000
lines in PostgreSQL. Prints the server time of the list page and of the API list searching by the
last digits of a 数电 number, part of a legacy 发票代码 and 号码, part of a taxpayer ID, an amount
typed with separators, a line's item, a remark, a drawer and a counterparty's name (median and p95
over 20 requests), with how many invoices each finds.

Target: ≤ 100 ms median and ≤ 250 ms p95 for a search that finds a few hundred invoices, as for
the list's other filters (bench/ledger.py); a word found on one invoice in eight (a common line
item) takes longer, as the list's totals add up every invoice found. Runs against a scratch test database:
`DATABASE_URL=postgres://…/fd_bench .venv/bin/python bench/ledger_search.py`."""

import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.services import company_create
from invoices.fapiao import Kind, uscc_check_char
from invoices.models import Invoice, InvoiceLine
from invoices.selectors import invoice_queryset
from invoices.services import remember_counterparties

INVOICES = {"91310115MA1K4D8X0B": 160_000, "91110108MA01A2B3CF": 40_000}
ROUNDS = 20
BATCH = 5_000
CENT = Decimal("0.01")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超"]
DRAWERS = [surname + given for surname in SURNAMES for given in GIVEN]
ITEMS = [
    ("*纸制品*打印纸", "0.13"),
    ("*计算机配套产品*硬盘", "0.13"),
    ("*电子元件*电容器", "0.13"),
    ("*办公用品*文件夹", "0.13"),
    ("*信息技术服务*软件维护", "0.06"),
    ("*现代服务*咨询服务费", "0.06"),
    ("*运输服务*国内道路货物运输服务", "0.09"),
    ("*餐饮服务*餐饮费", "0.06"),
    ("*经纪代理服务*代理服务费", "0.06"),
    ("*金属制品*不锈钢螺栓", "0.13"),
    ("*塑料制品*包装袋", "0.13"),
    ("*建筑服务*工程服务", "0.09"),
]


def tin(index: int) -> str:
    first17 = f"914403{index:04d}MA5BENCH"[:17]
    return first17 + uscc_check_char(first17)


SUPPLIERS = [(f"示例供应商{index:03d}有限公司", tin(index)) for index in range(300)]


def identifiers(rng: random.Random, index: int) -> tuple[str, str, str]:
    """(kind, 发票代码, 号码): nine in ten 数电, the rest legacy 电子专票 with a code."""
    if index % 10:
        number = f"26{rng.choice(['35', '44', '31', '11'])}{rng.choice('27')}{rng.randrange(10**15):015d}"
        return (Kind.DIGITAL_SPECIAL if index % 4 else Kind.DIGITAL_ORDINARY), "", number
    code = (
        f"0{rng.choice(['3500', '4400', '3100'])}{rng.choice(['22', '23', '24'])}{rng.randrange(1000):03d}13"
    )
    return Kind.E_SPECIAL, code, f"{rng.randrange(1, 10**8):08d}"


def fill(company, rng: random.Random, count: int) -> None:
    start = date(2025, 12, 1)
    for offset in range(0, count, BATCH):
        invoices, lines = [], []
        for index in range(offset, min(count, offset + BATCH)):
            name, supplier = SUPPLIERS[rng.randrange(len(SUPPLIERS))]
            kind, code, number = identifiers(rng, index)
            purchase = index % 3 != 0
            chosen = rng.sample(ITEMS, rng.choice([1, 2]))
            amounts = [Decimal(rng.randrange(1_000, 5_000_000)) / 100 for _item in chosen]
            taxes = [
                (amount * Decimal(rate)).quantize(CENT)
                for amount, (_name, rate) in zip(amounts, chosen, strict=True)
            ]
            remark = rng.choice(
                ["", "", f"合同号 HT-2026-{rng.randrange(100_000):05d}", f"项目{rng.randrange(900)}期款"]
            )
            invoice = Invoice(
                company=company,
                direction="purchase" if purchase else "sales",
                kind=kind,
                code=code,
                number=number,
                identity=f"{code}:{number}" if code else number,
                issue_date=start + timedelta(days=index % 365),
                seller_name=name if purchase else company.name,
                seller_tin=supplier if purchase else company.tin,
                buyer_name=company.name if purchase else name,
                buyer_tin=company.tin if purchase else supplier,
                counterparty_name=name,
                counterparty_tin=supplier,
                amount=sum(amounts),
                tax=sum(taxes),
                total=sum(amounts) + sum(taxes),
                drawer=rng.choice(DRAWERS),
                remarks=remark,
            )
            invoices.append(invoice)
            lines.append((invoice, chosen, amounts, taxes))
        Invoice.objects.bulk_create(invoices, batch_size=BATCH)
        remember_counterparties(company, invoices)
        InvoiceLine.objects.bulk_create(
            (
                InvoiceLine(
                    invoice=invoice, position=position, item_name=item, amount=amount, rate=rate, tax=tax
                )
                for invoice, chosen, amounts, taxes in lines
                for position, ((item, rate), amount, tax) in enumerate(
                    zip(chosen, amounts, taxes, strict=True), start=1
                )
            ),
            batch_size=BATCH,
        )


def timed(fn, rounds: int = ROUNDS) -> tuple[float, float]:
    fn()
    timings = []
    for _round in range(rounds):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[-1]


def searches(company) -> list[tuple[str, str]]:
    ledger = invoice_queryset(company=company).order_by("pk")
    digital = ledger.exclude(number__regex=r"^\d{8}$")[4321]
    legacy = ledger.filter(code__regex=r"^\d{12}$")[321]
    remarked = ledger.filter(remarks__startswith="合同号")[77]
    return [
        ("(no search)", ""),
        ("数电 number, last 6", digital.number[-6:]),
        ("数电 number, last 10", digital.number[-10:]),
        ("legacy 号码, last 5", legacy.number[-5:]),
        ("发票代码, part", legacy.code[1:9]),
        ("TIN, 8 characters", SUPPLIERS[7][1][6:14]),
        ("amount 1,234.50", f"{digital.total:,.2f}"),
        ("tax", str(digital.tax)),
        ("line item", "软件维护"),
        ("remark", remarked.remarks.split()[-1]),
        ("drawer, 2 characters", "王伟"),
        ("item, 2 characters", "餐饮"),
        ("counterparty name", "示例供应商017"),
        ("nothing matches", "不存在的东西"),
    ]


def main() -> None:
    setup_test_environment()
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rng = random.Random(2026)
        alice = User.objects.create_user("alice", password="bench-password")
        companies = []
        started = time.perf_counter()
        for company_tin, count in INVOICES.items():
            company = company_create(name=f"基准公司{company_tin[-4:]}", tin=company_tin)
            Membership.objects.create(company=company, user=alice, role=Role.ADMIN)
            fill(company, rng, count)
            companies.append(company)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does for a live database
        print(
            f"{Invoice.objects.count():,} invoices and {InvoiceLine.objects.count():,} lines loaded "
            f"in {time.perf_counter() - started:.0f} s"
        )
        company = companies[0]
        client = Client()
        client.force_login(alice)
        client.post("/company/switch/", {"company": company.pk})
        print(
            f"{'search':<22}{'typed':<24}{'found':>7}{'page p50':>10}{'page p95':>10}{'API p50':>10}{'API p95':>10}  (ms)"
        )
        for label, text in searches(company):
            found = _ok(client.get("/invoices/", {"q": text})).context["totals"]["count"]
            page = timed(lambda text=text: _ok(client.get("/invoices/", {"q": text})))
            api = timed(
                lambda text=text: _ok(client.get("/api/invoices/", {"q": text}, HTTP_X_COMPANY=company.tin))
            )
            print(
                f"{label:<22}{text:<24}{found:>7,}{page[0]:>10.1f}{page[1]:>10.1f}{api[0]:>10.1f}{api[1]:>10.1f}"
            )
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


if __name__ == "__main__":
    main()
