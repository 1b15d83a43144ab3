"""Company names are unique across the installation, whatever their case or spacing: an admin cannot
rename her company to another's name, nor create one under it; the service and the database both refuse."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts import services
from accounts.models import Company
from tests.conftest import TIN_A, TIN_B

TAKEN = "该公司名称已被使用。"


def settings_form(company: Company, name: str) -> dict:
    return {"name": name, "tin": company.tin, "sync_lag_days": company.sync_lag_days}


@pytest.mark.parametrize("name", ["甲商贸有限公司", "  甲商贸　有限公司 ", "甲商贸 有限 公司"])
def test_charlie_cannot_rename_b_to_as_name_on_the_settings_page(
    charlie, company_a, company_b, browser_as, name
):
    response = browser_as(charlie).post(reverse("company_settings"), settings_form(company_b, name))
    assert response.status_code == 200
    assert response.context["form"].has_error("name", "name_taken")
    assert TAKEN in response.text
    assert Company.objects.get(pk=company_b.pk).name == "乙科技有限公司"
    assert Company.objects.get(pk=company_a.pk).name == "甲商贸有限公司"


def test_the_same_name_with_other_spacing_is_taken(charlie, company_a, company_b):
    Company.objects.filter(pk=company_a.pk).update(name="Acme Trading Co")
    for name in ("Acme Trading Co", "  ACME   trading co ", "acme tradingco"):
        with pytest.raises(ValidationError) as caught:
            services.company_update(company=company_b, by=charlie, name=name)
        assert [error.code for error in caught.value.error_dict["name"]] == ["name_taken"]
    assert Company.objects.get(pk=company_b.pk).name == "乙科技有限公司"


def test_charlie_cannot_rename_b_through_the_api_and_hears_why_in_english(
    charlie, company_a, company_b, api_as
):
    response = api_as(charlie).patch(
        "/api/company/", {"name": "甲商贸有限公司"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["name"] == ["This company name is already in use."]
    assert "91310115MA1K4D8X0B" not in response.text
    assert Company.objects.get(pk=company_b.pk).name == "乙科技有限公司"


def test_a_new_company_cannot_take_a_name_in_use(company_a):
    with pytest.raises(ValidationError) as caught:
        services.company_create(name="甲商贸有限公司", tin=TIN_B)
    assert [error.code for error in caught.value.error_dict["name"]] == ["name_taken"]
    assert list(Company.objects.values_list("tin", flat=True)) == [TIN_A]


def test_a_company_may_change_the_case_of_its_own_name(alice, company_a):
    Company.objects.filter(pk=company_a.pk).update(name="Acme Trading Co")
    company_a.refresh_from_db()
    services.company_update(company=company_a, by=alice, name="ACME Trading Co")
    assert Company.objects.get(pk=company_a.pk).name == "ACME Trading Co"


def test_the_database_refuses_a_second_company_of_the_same_name_in_another_case(db):
    Company.objects.create(name="Acme Trading Co", tin=TIN_A)
    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.create(name="ACME TRADING CO", tin=TIN_B)
    assert list(Company.objects.values_list("name", flat=True)) == ["Acme Trading Co"]


def test_the_admin_form_says_the_name_is_in_use(company_a):
    with pytest.raises(ValidationError) as caught:
        Company(name="甲商贸有限公司", tin=TIN_B).full_clean()
    assert caught.value.messages == ["This company name is already in use."]


@pytest.mark.django_db(transaction=True)
def test_the_migration_tells_existing_same_names_apart():
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0004_token_read_only")])
    old = executor.loader.project_state([("accounts", "0004_token_read_only")]).apps
    OldCompany = old.get_model("accounts", "Company")
    OldCompany.objects.create(name="示例  商贸", tin=TIN_A)
    OldCompany.objects.create(name="示例商贸", tin=TIN_B)
    OldCompany.objects.create(name="Acme", tin="91440300MA5F0E1D2M")
    OldCompany.objects.create(name="ACME", tin="91350200776049653A")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert dict(Company.objects.values_list("tin", "name")) == {
        TIN_A: "示例 商贸",
        TIN_B: f"示例商贸 ({TIN_B})",
        "91440300MA5F0E1D2M": "Acme",
        "91350200776049653A": "ACME (91350200776049653A)",
    }
