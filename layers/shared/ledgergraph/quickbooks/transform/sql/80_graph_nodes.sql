-- Graph node tables. ledger_<Table> is the whole ledger known after the run (validation
-- reads it); out_<Table> is what the run writes: records that changed in it (a full sync
-- changes them all). Column names follow ledgergraph.ledger_schema; the writer selects the
-- schema's columns by name (an extra "changed" column is not written).

-- A company's books state none of a filer's registration details (SIC, EIN...).
CREATE OR REPLACE VIEW out_Entity AS
SELECT id, NULL::BIGINT AS cik, name, NULL::VARCHAR AS sic,
    NULL::VARCHAR AS state_of_incorporation, NULL::VARCHAR AS fiscal_year_end,
    NULL::VARCHAR AS filer_category, NULL::VARCHAR AS ein, NULL::VARCHAR AS trading_symbols,
    NULL::VARCHAR AS exchanges, NULL::VARCHAR AS stated_in, NULL::DATE AS stated_as_of
FROM company;

CREATE OR REPLACE VIEW ledger_LedgerAccount AS
SELECT a.id, 'quickbooks' AS source, getvariable('realm_id') AS realm_id, a.qbo_id,
    a.sync_token, as_instant(a.last_updated) AS last_updated_at, a.is_deleted,
    coalesce(a.name, a.qbo_id) AS name, txt(a.rec, '$.FullyQualifiedName') AS fully_qualified_name,
    txt(a.rec, '$.AcctNum') AS account_number, a.classification, a.account_type,
    a.account_subtype, a.normal_balance, a.concept,
    coalesce(txt(a.rec, '$.CurrencyRef.value'), co.home_currency) AS currency,
    money(a.rec, '$.CurrentBalance') AS current_balance, flag(a.rec, '$.Active') AS is_active,
    flag(a.rec, '$.SubAccount') AS is_sub_account, a.is_synthetic,
    a.changed
        OR (a.is_synthetic AND a.qbo_id IN (SELECT account_qbo_id FROM posting WHERE changed))
        AS changed
FROM account AS a, company AS co
WHERE NOT a.is_synthetic OR a.qbo_id IN (SELECT account_qbo_id FROM posting);

CREATE OR REPLACE VIEW out_LedgerAccount AS SELECT * FROM ledger_LedgerAccount WHERE changed;

CREATE OR REPLACE VIEW ledger_LedgerTransaction AS
SELECT t.id, 'quickbooks' AS source, getvariable('realm_id') AS realm_id, t.qbo_id,
    t.sync_token, as_instant(t.last_updated) AS last_updated_at, t.is_deleted,
    t.txn_type, t.doc_number, t.txn_date, t.due_date, t.currency, t.exchange_rate,
    t.home_currency, t.total_amount, to_home(t.total_amount, t.exchange_rate) AS total_amount_home,
    t.open_balance, t.private_note,
    (SELECT count(*) FROM posting AS p WHERE p.transaction_id = t.id) AS line_count,
    t.changed
FROM txn AS t;

CREATE OR REPLACE VIEW out_LedgerTransaction AS
SELECT * FROM ledger_LedgerTransaction WHERE changed;

CREATE OR REPLACE VIEW ledger_LineItem AS
SELECT lg_id(['quickbooks', getvariable('realm_id'), p.txn_type, p.qbo_id, 'line',
              CAST(p.line_number AS VARCHAR)]) AS id,
    getvariable('realm_id') AS realm_id, p.transaction_id, p.txn_type, p.line_number, p.role,
    p.source_line_id, p.detail_type, p.description, p.side AS posting_type, p.amount,
    p.currency, p.exchange_rate, p.amount_home, p.home_currency, p.txn_date,
    p.account_qbo_id, p.quantity, p.unit_price, p.changed
FROM posting AS p;

CREATE OR REPLACE VIEW out_LineItem AS SELECT * FROM ledger_LineItem WHERE changed;

CREATE OR REPLACE VIEW out_Customer AS
SELECT id, 'quickbooks' AS source, getvariable('realm_id') AS realm_id, qbo_id, sync_token,
    as_instant(last_updated) AS last_updated_at, is_deleted, display_name,
    company_name,
    is_active, currency, balance
FROM party WHERE entity = 'Customer' AND changed;

CREATE OR REPLACE VIEW out_Vendor AS
SELECT id, 'quickbooks' AS source, getvariable('realm_id') AS realm_id, qbo_id, sync_token,
    as_instant(last_updated) AS last_updated_at, is_deleted, display_name,
    company_name,
    is_active, currency, balance
FROM party WHERE entity = 'Vendor' AND changed;

CREATE OR REPLACE VIEW out_Employee AS
SELECT id, 'quickbooks' AS source, getvariable('realm_id') AS realm_id, qbo_id, sync_token,
    as_instant(last_updated) AS last_updated_at, is_deleted, display_name,
    employee_number, is_active, hired_date, released_date, bill_rate
FROM employee WHERE changed;

CREATE OR REPLACE VIEW out_Item AS
SELECT id, 'quickbooks' AS source, getvariable('realm_id') AS realm_id, qbo_id, sync_token,
    as_instant(last_updated) AS last_updated_at, is_deleted, name,
    fully_qualified_name,
    item_type, sku, unit_price, purchase_cost, quantity_on_hand, is_active
FROM item WHERE changed;

CREATE OR REPLACE VIEW out_LedgerDimension AS
SELECT id, 'quickbooks' AS source, getvariable('realm_id') AS realm_id, qbo_id, sync_token,
    as_instant(last_updated) AS last_updated_at, is_deleted, kind, name,
    fully_qualified_name, is_active
FROM dimension WHERE changed;

-- The us-gaap concepts the run's accounts map to, so ACCOUNT_MAPS_TO_ELEMENT always finds
-- its endpoint; with SEC filings in the same graph these rows are already present.
CREATE OR REPLACE VIEW out_Element AS
SELECT DISTINCT m.concept AS id, m.concept AS qname,
    'http://fasb.org/us-gaap/2023' AS namespace, split_part(m.concept, ':', 2) AS local_name,
    'xbrli:monetaryItemType' AS data_type,
    'http://www.xbrl.org/2003/instance' AS data_type_namespace, 'xbrli:item' AS substitution_group,
    m.period_type, m.balance, false AS is_abstract, true AS is_nillable, true AS is_standard
FROM account_concept_map AS m
WHERE m.concept IN (SELECT concept FROM out_LedgerAccount);
