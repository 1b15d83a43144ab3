"""Roles and what each may do. A higher role may do everything a lower one may."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLERK = "clerk", _("Clerk")
    ACCOUNTANT = "accountant", _("Accountant")
    ADMIN = "admin", _("Admin")


ROLE_RANK = {Role.CLERK: 1, Role.ACCOUNTANT: 2, Role.ADMIN: 3}


class Perm(StrEnum):
    LEDGER_VIEW = "ledger.view"
    LEDGER_EDIT = "ledger.edit"
    INGEST_UPLOAD = "ingest.upload"
    BUREAU_IMPORT = "reconcile.import"
    RECONCILE = "reconcile.run"
    DISCREPANCY_RESOLVE = "reconcile.resolve"
    MEMBERS_MANAGE = "members.manage"
    COMPANY_SETTINGS = "company.settings"
    SCHEDULES_MANAGE = "schedules.manage"
    ANOMALIES_MANAGE = "anomalies.manage"
    ALERTS_VIEW = "alerts.view"


MINIMUM_ROLE = {
    Perm.LEDGER_VIEW: Role.CLERK,
    Perm.LEDGER_EDIT: Role.CLERK,
    Perm.INGEST_UPLOAD: Role.ACCOUNTANT,
    Perm.BUREAU_IMPORT: Role.ACCOUNTANT,
    Perm.RECONCILE: Role.ACCOUNTANT,
    Perm.DISCREPANCY_RESOLVE: Role.ACCOUNTANT,
    Perm.MEMBERS_MANAGE: Role.ADMIN,
    Perm.COMPANY_SETTINGS: Role.ADMIN,
    Perm.SCHEDULES_MANAGE: Role.ADMIN,
    Perm.ANOMALIES_MANAGE: Role.ADMIN,
    Perm.ALERTS_VIEW: Role.ACCOUNTANT,
}

PERM_LABELS = {
    Perm.LEDGER_VIEW: _("Read the invoice ledger"),
    Perm.LEDGER_EDIT: _("Enter and correct ledger records"),
    Perm.INGEST_UPLOAD: _("Upload scanned and electronic invoices"),
    Perm.BUREAU_IMPORT: _("Import the tax bureau's export"),
    Perm.RECONCILE: _("Reconcile the ledger with the bureau"),
    Perm.DISCREPANCY_RESOLVE: _("Resolve discrepancies"),
    Perm.MEMBERS_MANAGE: _("Manage members and roles"),
    Perm.COMPANY_SETTINGS: _("Change company settings"),
    Perm.SCHEDULES_MANAGE: _("Manage checks, backups and alerts"),
    Perm.ANOMALIES_MANAGE: _("Assign, resolve and comment on anomalies"),
    Perm.ALERTS_VIEW: _("See and acknowledge the company's alerts"),
}


def role_allows(role: str, perm: Perm) -> bool:
    return ROLE_RANK[Role(role)] >= ROLE_RANK[MINIMUM_ROLE[perm]]
