"""The company ledger's graph tables (QuickBooks Online today, Plaid later).

Declared with the same classes as the SEC tables so that staging and LadybugDB treat them
alike. The company itself is a node of the SEC ``Entity`` table (id ``qbo:{realm_id}``), and
accounts point at the SEC ``Element`` table (``us-gaap:Revenues`` ...), so a company's ledger
lines up with a filer's facts in one graph. Node ids are ``stable_id("quickbooks", realm_id,
entity type, QBO Id)``; line ids add the posting's number inside its transaction.
"""

from __future__ import annotations

from ledgergraph.schema_model import Column, NodeTable, RelTable


def _id(meaning: str) -> Column:
    return Column("id", "STRING", meaning, nullable=False)


def _source_columns(entity: str) -> tuple[Column, ...]:
    """The columns every ledger node shares: where it came from and whether it still exists."""
    return (
        Column("source", "STRING", "source system: quickbooks", nullable=False),
        Column("realm_id", "STRING", "QuickBooks company (realm) id", nullable=False),
        Column("qbo_id", "STRING", f"the {entity}'s Id in QuickBooks", nullable=False),
        Column("sync_token", "STRING", "QuickBooks SyncToken (version) of the record"),
        Column("last_updated_at", "TIMESTAMP", "MetaData.LastUpdatedTime"),
        Column(
            "is_deleted",
            "BOOLEAN",
            "tombstone: deleted (or merged away) in QuickBooks; fields keep their last values",
            nullable=False,
        ),
    )


def _party_columns(entity: str) -> tuple[Column, ...]:
    return (
        _id(f'stable_id("quickbooks", realm_id, "{entity}", Id)'),
        *_source_columns(entity),
        Column("display_name", "STRING", "DisplayName"),
        Column("company_name", "STRING", "CompanyName"),
        Column("is_active", "BOOLEAN", "Active"),
        Column("currency", "STRING", "CurrencyRef: ISO 4217 code"),
        Column("balance", "DECIMAL", "open balance as QuickBooks reported it, home currency"),
    )


LEDGER_NODE_TABLES: tuple[NodeTable, ...] = (
    NodeTable(
        "LedgerAccount",
        "An account of a company's chart of accounts.",
        (
            _id('stable_id("quickbooks", realm_id, "Account", Id)'),
            *_source_columns("account"),
            Column("name", "STRING", "Name", nullable=False),
            Column("fully_qualified_name", "STRING", "parent names and name, colon separated"),
            Column("account_number", "STRING", "AcctNum, when the company numbers accounts"),
            Column("classification", "STRING", "Asset, Liability, Equity, Revenue or Expense"),
            Column("account_type", "STRING", "AccountType, e.g. Bank, Income, Expense"),
            Column("account_subtype", "STRING", "AccountSubType, e.g. Checking"),
            Column("normal_balance", "STRING", "debit or credit, from the classification"),
            Column("concept", "STRING", "mapped concept qname, e.g. us-gaap:Revenues"),
            Column("currency", "STRING", "CurrencyRef: ISO 4217 code"),
            Column("current_balance", "DECIMAL", "CurrentBalance as QuickBooks reported it"),
            Column("is_active", "BOOLEAN", "Active"),
            Column("is_sub_account", "BOOLEAN", "SubAccount"),
            Column(
                "is_synthetic",
                "BOOLEAN",
                "made by the transform, not read from QuickBooks (e.g. sales tax payable)",
                nullable=False,
            ),
        ),
        upsert=True,
    ),
    NodeTable(
        "LedgerTransaction",
        "A QuickBooks transaction: journal entry, invoice, bill, payment, deposit ...",
        (
            _id('stable_id("quickbooks", realm_id, TxnType, Id)'),
            *_source_columns("transaction"),
            Column("txn_type", "STRING", "QuickBooks entity: JournalEntry, Invoice ...", False),
            Column("doc_number", "STRING", "DocNumber (reference number), if any"),
            Column("txn_date", "DATE", "TxnDate"),
            Column("due_date", "DATE", "DueDate of invoices and bills"),
            Column("currency", "STRING", "CurrencyRef of the transaction"),
            Column("exchange_rate", "DECIMAL", "home currency units per transaction unit"),
            Column("home_currency", "STRING", "the company's home currency"),
            Column("total_amount", "DECIMAL", "TotalAmt in the transaction currency"),
            Column("total_amount_home", "DECIMAL", "TotalAmt x exchange rate, to the cent"),
            Column("open_balance", "DECIMAL", "Balance still open (invoices, bills)"),
            Column("private_note", "STRING", "PrivateNote (memo)"),
            Column("line_count", "INT64", "LineItem rows (postings) of the transaction", False),
        ),
        upsert=True,
    ),
    NodeTable(
        "LineItem",
        "One posting of a transaction to one account: a debit or a credit.",
        (
            _id('stable_id("quickbooks", realm_id, TxnType, Id, "line", line_number)'),
            Column("realm_id", "STRING", "QuickBooks company (realm) id", nullable=False),
            Column("transaction_id", "STRING", "id of the LedgerTransaction", nullable=False),
            Column("txn_type", "STRING", "the transaction's QuickBooks entity", nullable=False),
            Column("line_number", "INT64", "posting number inside the transaction", False),
            Column(
                "role",
                "STRING",
                "line (a QuickBooks line), header (the other side: A/R, A/P, bank), "
                "tax, discount or cashback",
                nullable=False,
            ),
            Column("source_line_id", "STRING", "Line.Id in QuickBooks; null for derived postings"),
            Column("detail_type", "STRING", "Line.DetailType, e.g. SalesItemLineDetail"),
            Column("description", "STRING", "Line.Description"),
            Column("posting_type", "STRING", "debit or credit", nullable=False),
            Column("amount", "DECIMAL", "positive amount, transaction currency", False),
            Column("currency", "STRING", "transaction currency"),
            Column("exchange_rate", "DECIMAL", "home currency units per transaction unit"),
            Column("amount_home", "DECIMAL", "amount x exchange rate, to the cent", False),
            Column("home_currency", "STRING", "the company's home currency"),
            Column("txn_date", "DATE", "the transaction's date (denormalised)"),
            Column("account_qbo_id", "STRING", "Id of the account posted to"),
            Column("quantity", "DECIMAL", "Qty of an item line"),
            Column("unit_price", "DECIMAL", "UnitPrice of an item line"),
        ),
        upsert=True,
        owned_by="TRANSACTION_HAS_LINE",
    ),
    NodeTable(
        "Customer", "A customer (or a customer's job).", _party_columns("Customer"), upsert=True
    ),
    NodeTable("Vendor", "A supplier.", _party_columns("Vendor"), upsert=True),
    NodeTable(
        "Employee",
        "An employee of the company (payee of purchases and cheques, time tracking).",
        (
            _id('stable_id("quickbooks", realm_id, "Employee", Id)'),
            *_source_columns("Employee"),
            Column("display_name", "STRING", "DisplayName"),
            Column("employee_number", "STRING", "EmployeeNumber"),
            Column("is_active", "BOOLEAN", "Active"),
            Column("hired_date", "DATE", "HiredDate"),
            Column("released_date", "DATE", "ReleasedDate"),
            Column("bill_rate", "DECIMAL", "BillRate: hourly rate billed to customers"),
        ),
        upsert=True,
    ),
    NodeTable(
        "Item",
        "A product or service sold or bought.",
        (
            _id('stable_id("quickbooks", realm_id, "Item", Id)'),
            *_source_columns("item"),
            Column("name", "STRING", "Name"),
            Column("fully_qualified_name", "STRING", "FullyQualifiedName"),
            Column("item_type", "STRING", "Type: Service, Inventory, NonInventory, Group ..."),
            Column("sku", "STRING", "Sku"),
            Column("unit_price", "DECIMAL", "UnitPrice (sales price)"),
            Column("purchase_cost", "DECIMAL", "PurchaseCost"),
            Column("quantity_on_hand", "DECIMAL", "QtyOnHand of inventory items"),
            Column("is_active", "BOOLEAN", "Active"),
        ),
        upsert=True,
    ),
    NodeTable(
        "LedgerDimension",
        "A tracking dimension value: a Class, or a Department (shown as Location in QBO).",
        (
            _id('stable_id("quickbooks", realm_id, kind, Id)'),
            *_source_columns("dimension value"),
            Column("kind", "STRING", "Class or Department", nullable=False),
            Column("name", "STRING", "Name"),
            Column("fully_qualified_name", "STRING", "FullyQualifiedName"),
            Column("is_active", "BOOLEAN", "Active"),
        ),
        upsert=True,
    ),
)

# A ledger relationship from a ledger node is rewritten with every version of that node
# (versioned_with_from); the company's own relationships (from Entity) only ever grow.
_VERSIONED = {"versioned_with_from": True}

LEDGER_REL_TABLES: tuple[RelTable, ...] = (
    RelTable("COMPANY_HAS_ACCOUNT", "The company's chart of accounts.", "Entity", "LedgerAccount"),
    RelTable(
        "COMPANY_HAS_TRANSACTION", "The company's transactions.", "Entity", "LedgerTransaction"
    ),
    RelTable(
        "TRANSACTION_HAS_LINE",
        "The transaction's postings.",
        "LedgerTransaction",
        "LineItem",
        **_VERSIONED,
    ),
    RelTable(
        "LINE_POSTS_TO_ACCOUNT",
        "The account a posting hits.",
        "LineItem",
        "LedgerAccount",
        **_VERSIONED,
    ),
    RelTable(
        "ACCOUNT_HAS_PARENT",
        "Sub-account to parent.",
        "LedgerAccount",
        "LedgerAccount",
        **_VERSIONED,
    ),
    RelTable(
        "ACCOUNT_MAPS_TO_ELEMENT",
        "The concept the account's balance reports under.",
        "LedgerAccount",
        "Element",
        (Column("rule", "STRING", "mapping rule: AccountType/AccountSubType or Type/*", False),),
        **_VERSIONED,
    ),
    RelTable(
        "LINE_HAS_ITEM", "The item of a sales or purchase line.", "LineItem", "Item", **_VERSIONED
    ),
    RelTable(
        "LINE_HAS_DIMENSION",
        "A class or department the posting is tagged with.",
        "LineItem",
        "LedgerDimension",
        **_VERSIONED,
    ),
    RelTable(
        "TRANSACTION_HAS_CUSTOMER",
        "The customer of an invoice, payment, credit memo ...",
        "LedgerTransaction",
        "Customer",
        **_VERSIONED,
    ),
    RelTable(
        "TRANSACTION_HAS_VENDOR",
        "The vendor of a bill, bill payment, purchase ...",
        "LedgerTransaction",
        "Vendor",
        **_VERSIONED,
    ),
    RelTable(
        "TRANSACTION_LINKS_TO",
        "LinkedTxn: a payment applied to an invoice, a deposit of a payment ...",
        "LedgerTransaction",
        "LedgerTransaction",
        **_VERSIONED,
    ),
    RelTable(
        "ITEM_USES_ACCOUNT",
        "The income, expense or asset account an item posts to.",
        "Item",
        "LedgerAccount",
        (Column("role", "STRING", "income, expense or asset", nullable=False),),
        extra_key=("role",),
        **_VERSIONED,
    ),
    RelTable(
        "LEDGER_DIMENSION_HAS_PARENT",
        "Sub-class or sub-department to its parent.",
        "LedgerDimension",
        "LedgerDimension",
        **_VERSIONED,
    ),
)

LEDGER_TABLES = {t.name: t for t in (*LEDGER_NODE_TABLES, *LEDGER_REL_TABLES)}
