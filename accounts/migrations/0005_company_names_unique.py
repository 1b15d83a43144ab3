import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Value


def name_key(name: str) -> str:
    return name.replace(" ", "").lower()


def tell_same_names_apart(apps, schema_editor):
    """Before names must be unique: collapse each name's whitespace as the app now stores it, and
    give every company whose name (in any case, spaces aside) an older company already has its
    taxpayer ID in brackets, so no company is lost or merged and each stays recognisable."""
    Company = apps.get_model("accounts", "Company")
    taken: set[str] = set()
    for company in Company.objects.order_by("created_at", "pk"):
        name = " ".join(company.name.split())
        if name_key(name) in taken:
            name = f"{name} ({company.tin})"[:200]
        taken.add(name_key(name))
        if name != company.name:
            company.name = name
            company.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_token_read_only"),
    ]

    operations = [
        migrations.RunPython(tell_same_names_apart, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="company",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower(
                    django.db.models.functions.text.Replace("name", Value(" "), Value(""))
                ),
                name="company_name_unique",
                violation_error_message="This company name is already in use.",
            ),
        ),
    ]
