-- Relationship tables of the run: "from" and "to" node ids first, then the extra columns.
-- A relationship is written only when both ends exist in the ledger known after the run.

CREATE OR REPLACE VIEW out_COMPANY_HAS_ACCOUNT AS
SELECT co.id AS "from", a.id AS "to" FROM out_LedgerAccount AS a, company AS co;

CREATE OR REPLACE VIEW out_COMPANY_HAS_TRANSACTION AS
SELECT co.id AS "from", t.id AS "to" FROM out_LedgerTransaction AS t, company AS co;

CREATE OR REPLACE VIEW out_TRANSACTION_HAS_LINE AS
SELECT transaction_id AS "from", id AS "to" FROM out_LineItem;

CREATE OR REPLACE VIEW out_LINE_POSTS_TO_ACCOUNT AS
SELECT l.id AS "from", qbo_node_id('Account', l.account_qbo_id) AS "to" FROM out_LineItem AS l;

CREATE OR REPLACE VIEW out_ACCOUNT_HAS_PARENT AS
SELECT a.id AS "from", parent.id AS "to"
FROM account AS a JOIN account AS parent ON parent.qbo_id = a.parent_qbo_id
WHERE a.changed;

CREATE OR REPLACE VIEW out_ACCOUNT_MAPS_TO_ELEMENT AS
SELECT a.id AS "from", a.concept AS "to", a.concept_rule AS rule
FROM account AS a JOIN out_LedgerAccount AS o ON o.id = a.id
WHERE a.concept IS NOT NULL;

CREATE OR REPLACE VIEW out_LINE_HAS_ITEM AS
SELECT lg_id(['quickbooks', getvariable('realm_id'), p.txn_type, p.qbo_id, 'line',
              CAST(p.line_number AS VARCHAR)]) AS "from", i.id AS "to"
FROM posting AS p JOIN item AS i ON i.qbo_id = p.item_qbo_id
WHERE p.changed;

CREATE OR REPLACE VIEW out_LINE_HAS_DIMENSION AS
SELECT lg_id(['quickbooks', getvariable('realm_id'), p.txn_type, p.qbo_id, 'line',
              CAST(p.line_number AS VARCHAR)]) AS "from", d.id AS "to"
FROM posting AS p
JOIN dimension AS d
    ON (d.kind = 'Class' AND d.qbo_id = p.class_ref)
    OR (d.kind = 'Department' AND d.qbo_id = p.department_ref)
WHERE p.changed;

CREATE OR REPLACE VIEW out_TRANSACTION_HAS_CUSTOMER AS
SELECT t.id AS "from", c.id AS "to"
FROM txn AS t JOIN party AS c ON c.entity = 'Customer' AND c.qbo_id = t.customer_qbo_id
WHERE t.changed;

CREATE OR REPLACE VIEW out_TRANSACTION_HAS_VENDOR AS
SELECT t.id AS "from", v.id AS "to"
FROM txn AS t JOIN party AS v ON v.entity = 'Vendor' AND v.qbo_id = t.vendor_qbo_id
WHERE t.changed;

-- LinkedTxn on the transaction and on its lines (payments name the invoices they settle).
CREATE OR REPLACE TABLE txn_link AS
WITH links AS (
    SELECT t.id, t.txn_type, t.qbo_id, link.value AS link
    FROM txn AS t,
        unnest(CAST(coalesce(json_extract(t.rec, '$.LinkedTxn'), '[]') AS JSON[])) AS link(value)
    WHERE t.changed AND NOT t.is_deleted
    UNION ALL
    SELECT t.id, t.txn_type, t.qbo_id, link.value
    FROM txn AS t
    JOIN txn_line AS l USING (txn_type, qbo_id),
        unnest(CAST(coalesce(json_extract(l.line, '$.LinkedTxn'), '[]') AS JSON[])) AS link(value)
    WHERE t.changed
)
SELECT DISTINCT l.id AS "from", target.id AS "to", txt(l.link, '$.TxnType') AS target_type,
    target.id IS NOT NULL AS resolved,
    -- listed by this run yet no transaction known: the run rejected it (a link to a
    -- transaction the sync does not extract is counted apart)
    target.id IS NULL AND listed.qbo_id IS NOT NULL AS target_rejected
FROM links AS l
LEFT JOIN txn AS target
    ON target.txn_type = txt(l.link, '$.TxnType') AND target.qbo_id = txt(l.link, '$.TxnId')
LEFT JOIN listed_record AS listed
    ON listed.entity = txt(l.link, '$.TxnType') AND listed.qbo_id = txt(l.link, '$.TxnId');

CREATE OR REPLACE VIEW out_TRANSACTION_LINKS_TO AS
SELECT DISTINCT "from", "to" FROM txn_link WHERE resolved;

CREATE OR REPLACE VIEW out_ITEM_USES_ACCOUNT AS
WITH uses AS (
    SELECT id, 'income' AS role, income_account AS account FROM item WHERE changed
    UNION ALL SELECT id, 'expense', expense_account FROM item WHERE changed
    UNION ALL SELECT id, 'asset', asset_account FROM item WHERE changed
)
SELECT u.id AS "from", a.id AS "to", u.role
FROM uses AS u JOIN account AS a ON a.qbo_id = u.account;

CREATE OR REPLACE VIEW out_LEDGER_DIMENSION_HAS_PARENT AS
SELECT d.id AS "from", parent.id AS "to"
FROM dimension AS d
JOIN dimension AS parent ON parent.kind = d.kind AND parent.qbo_id = d.parent_qbo_id
WHERE d.changed;
