from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoices.models import Invoice
from tests.conftest import TIN_A
from tests.fixtures.invoices import make_invoice, purchase_values


def payload(company, **overrides) -> dict:
    values = purchase_values(company, **{"issue_date": "2026-05-14", **overrides})
    return values


def test_an_integrator_creates_an_invoice_and_gets_its_findings_and_history(bob, company_a, api_as):
    response = api_as(bob).post(
        "/api/invoices/", payload(company_a, buyer_tin="91310115MA1K4D8X0C"), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["amount"], body["tax"], body["total"]) == ("1000.00", "130.00", "1130.00")
    assert body["source"] == "api"
    assert body["lines"][0]["rate"] == "0.13"
    assert "buyer_not_company" in {finding["code"] for finding in body["findings"]}
    assert body["history"][0]["action"] == "create"
    assert body["history"][0]["user"] == "bob"


def test_a_duplicate_is_refused_as_a_structured_finding(bob, company_a, api_as):
    make_invoice(company_a, bob)
    response = api_as(bob).post(
        "/api/invoices/", payload(company_a), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    [finding] = response.json()["findings"]
    assert (finding["code"], finding["severity"], finding["field"]) == ("duplicate", "error", "number")
    assert finding["params"]["by"] == "bob"
    assert finding["message"].startswith("This invoice is already in the ledger")


def test_unstorable_input_names_each_field(bob, company_a, api_as):
    body = payload(company_a, amount="1,0.0.0", issue_date="yesterday")
    body["lines"][0]["tax"] = "lots"
    response = api_as(bob).post("/api/invoices/", body, format="json")
    assert response.status_code == 400
    assert {(f["field"], f["code"]) for f in response.json()["findings"]} == {
        ("amount", "invalid"),
        ("issue_date", "invalid"),
        ("lines[0].tax", "invalid"),
    }
    assert not Invoice.objects.exists()


def test_the_list_filters_like_the_page(bob, company_a, api_as):
    make_invoice(company_a, bob)
    make_invoice(company_a, bob, number="26352000000099999999", issue_date=date(2026, 6, 1), total="1131.00")
    client = api_as(bob)
    assert client.get("/api/invoices/").json()["count"] == 2
    errors = client.get("/api/invoices/", {"has": "errors"}).json()
    assert [item["number"] for item in errors["results"]] == ["26352000000099999999"]
    assert client.get("/api/invoices/", {"date_from": "2026-05-20"}).json()["count"] == 1


def test_the_list_takes_the_same_queries_for_2_and_40_invoices(bob, company_a, api_as):
    client = api_as(bob)
    for index in range(2):
        make_invoice(
            company_a, number=f"263520000000200000{index:02d}", issue_date=date(2026, 1, 1) + timedelta(index)
        )
    client.get("/api/invoices/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/invoices/")
    for index in range(2, 40):
        make_invoice(
            company_a, number=f"263520000000200000{index:02d}", issue_date=date(2026, 1, 1) + timedelta(index)
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/invoices/").json()["count"] == 40
    assert len(many) == len(few)


def test_patch_changes_only_what_it_names(bob, company_a, api_as):
    invoice = make_invoice(company_a, bob)
    response = api_as(bob).patch(
        f"/api/invoices/{invoice.pk}/", {"remarks": "差旅", "reason": "补充"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["lines"][0]["item_name"] == "*纸制品*打印纸"
    assert response.json()["history"][-1]["changes"] == {"remarks": ["", "差旅"]}


def test_void_needs_a_reason(bob, company_a, api_as):
    invoice = make_invoice(company_a, bob)
    client = api_as(bob)
    assert client.post(f"/api/invoices/{invoice.pk}/void/", {}, format="json").status_code == 400
    response = client.post(f"/api/invoices/{invoice.pk}/void/", {"reason": "开错"}, format="json")
    assert response.json()["status"] == "voided"


def test_charlie_cannot_create_into_company_a(charlie, company_a, api_as):
    response = api_as(charlie).post("/api/invoices/", payload(company_a), format="json", HTTP_X_COMPANY=TIN_A)
    assert response.status_code == 404
    assert not Invoice.objects.exists()


def test_the_schema_documents_the_invoice_fields(db, client):
    schema = client.get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"]["InvoiceDetail"]["properties"]
    for name in [
        "direction",
        "kind",
        "code",
        "number",
        "issue_date",
        "seller_name",
        "seller_tin",
        "buyer_name",
        "buyer_tin",
        "amount",
        "tax",
        "total",
        "check_code",
        "status",
        "lines",
        "findings",
        "history",
    ]:
        assert name in fields


def test_an_invoice_without_a_blue_original_answers_null_as_the_schema_allows(bob, company_a, api_as, client):
    invoice = make_invoice(company_a, bob)
    assert api_as(bob).get(f"/api/invoices/{invoice.pk}/").json()["blue_original"] is None
    schema = client.get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["Invoice"]["properties"]["blue_original"]["nullable"] is True


def test_a_body_that_cannot_be_read_is_refused_with_the_documented_detail(bob, company_a, api_as, client):
    response = api_as(bob).post("/api/invoices/", "{", content_type="application/json")
    assert response.status_code == 400 and set(response.json()) == {"detail"}
    schemas = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert {"$ref": "#/components/schemas/UnreadableRequest"} in schemas["InvoiceRefusal"]["oneOf"]
    assert schemas["UnreadableRequest"]["required"] == ["detail"]
