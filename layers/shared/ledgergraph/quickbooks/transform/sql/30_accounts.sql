-- The chart of accounts, its hierarchy and its concepts (account_concepts.csv).

-- Sales tax has no account in the API (it belongs to a tax agency), so tax postings go to
-- one derived liability account per realm, marked is_synthetic.
CREATE OR REPLACE TABLE synthetic_account AS
SELECT 'ledgergraph-sales-tax' AS qbo_id, 'Sales tax payable (derived by ledgergraph)' AS name,
    'Liability' AS classification, 'Other Current Liability' AS account_type,
    'GlobalTaxPayable' AS account_subtype;

CREATE OR REPLACE TABLE account AS
WITH qbo AS (
    SELECT qbo_id, rec, is_deleted, changed, sync_token, last_updated,
        txt(rec, '$.Name') AS name, txt(rec, '$.Classification') AS classification,
        txt(rec, '$.AccountType') AS account_type, txt(rec, '$.AccountSubType') AS account_subtype,
        false AS is_synthetic
    FROM current_record WHERE entity = 'Account'
),
derived AS (
    SELECT s.qbo_id, NULL::JSON AS rec, false, false, NULL, NULL, s.name, s.classification,
        s.account_type, s.account_subtype, true
    FROM synthetic_account AS s
),
accounts AS (SELECT * FROM qbo UNION ALL SELECT * FROM derived)
SELECT a.*,
    qbo_node_id('Account', a.qbo_id) AS id,
    txt(a.rec, '$.ParentRef.value') AS parent_qbo_id,
    CASE WHEN a.classification IN ('Asset', 'Expense') THEN 'debit'
         WHEN a.classification IN ('Liability', 'Equity', 'Revenue') THEN 'credit' END
        AS normal_balance,
    coalesce(exact.concept, fallback.concept) AS concept,
    CASE WHEN exact.concept IS NOT NULL THEN a.account_type || '/' || a.account_subtype
         WHEN fallback.concept IS NOT NULL THEN a.account_type || '/*' END AS concept_rule
FROM accounts AS a
LEFT JOIN account_concept_map AS exact
    ON exact.account_type = a.account_type AND exact.account_subtype = a.account_subtype
LEFT JOIN account_concept_map AS fallback
    ON fallback.account_type = a.account_type AND fallback.account_subtype = '*';

-- Accounts a posting may name when the transaction does not (QuickBooks' own defaults).
CREATE OR REPLACE TABLE default_account AS
SELECT
    (SELECT min_by(qbo_id, TRY_CAST(qbo_id AS BIGINT)) FROM account
     WHERE account_type = 'Accounts Receivable' AND NOT is_deleted) AS receivable,
    (SELECT min_by(qbo_id, TRY_CAST(qbo_id AS BIGINT)) FROM account
     WHERE account_type = 'Accounts Payable' AND NOT is_deleted) AS payable,
    (SELECT min_by(qbo_id, TRY_CAST(qbo_id AS BIGINT)) FROM account
     WHERE account_subtype = 'UndepositedFunds' AND NOT is_deleted) AS undeposited,
    'ledgergraph-sales-tax' AS sales_tax;
