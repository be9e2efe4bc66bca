-- Every reference a relationship of 90_graph_rels.sql is built from, resolved or not. The
-- relationships join their ends, so a reference to a record the ledger does not know gives
-- no row; here it is kept and named, and the reconciliation checks, per relationship,
-- references = relationships written + references unresolved.
-- NOTE: the record holding an unresolved reference is kept (an invoice to an unknown
-- customer still moves receivables and income); only its relationship is missing.

-- An Id as a reason shows it: bare when it is digits (as QuickBooks' are), else quoted, so
-- an empty one reads `no Customer "" among ...`, not `no Customer  among ...`.
CREATE OR REPLACE MACRO id_shown(target_id) AS CASE
    WHEN regexp_full_match(target_id, '[0-9]+') THEN target_id ELSE to_json(target_id)::VARCHAR
END;

-- Why a target is missing: listed by the run but rejected, or never synced at all.
CREATE OR REPLACE MACRO missing_target(target, target_id, listed) AS CASE
    WHEN listed THEN target || ' ' || id_shown(target_id) || ' was rejected in this run'
    ELSE 'no ' || target || ' ' || id_shown(target_id) || ' among the synced records'
END;

CREATE OR REPLACE TABLE reference AS
WITH txn_refs AS (
    SELECT 'TRANSACTION_HAS_CUSTOMER' AS rel, txn_type AS record_type, qbo_id,
        CASE WHEN txn_type = 'Purchase' THEN 'EntityRef' ELSE 'CustomerRef' END AS ref,
        'Customer' AS target_type, customer_qbo_id AS target_id
    FROM txn WHERE changed AND customer_qbo_id IS NOT NULL
    UNION ALL
    SELECT 'TRANSACTION_HAS_VENDOR', txn_type, qbo_id,
        CASE WHEN txn_type = 'Purchase' THEN 'EntityRef' ELSE 'VendorRef' END,
        'Vendor', vendor_qbo_id
    FROM txn WHERE changed AND vendor_qbo_id IS NOT NULL
),
line_refs AS (
    SELECT 'LINE_HAS_ITEM' AS rel, txn_type, qbo_id, source_line_id, 'ItemRef' AS ref,
        'Item' AS target_type, item_qbo_id AS target_id
    FROM posting WHERE changed AND item_qbo_id IS NOT NULL
    UNION ALL
    SELECT 'LINE_HAS_DIMENSION', txn_type, qbo_id, source_line_id, 'ClassRef', 'Class',
        class_ref
    FROM posting WHERE changed AND class_ref IS NOT NULL
    UNION ALL
    SELECT 'LINE_HAS_DIMENSION', txn_type, qbo_id, source_line_id, 'DepartmentRef',
        'Department', department_ref
    FROM posting WHERE changed AND department_ref IS NOT NULL
),
list_refs AS (
    SELECT 'ACCOUNT_HAS_PARENT' AS rel, 'Account' AS record_type, qbo_id, 'ParentRef' AS ref,
        'Account' AS target_type, parent_qbo_id AS target_id
    FROM account WHERE changed AND parent_qbo_id IS NOT NULL
    UNION ALL
    SELECT 'LEDGER_DIMENSION_HAS_PARENT', kind, qbo_id, 'ParentRef', kind, parent_qbo_id
    FROM dimension WHERE changed AND parent_qbo_id IS NOT NULL
    UNION ALL
    SELECT 'ITEM_USES_ACCOUNT', 'Item', qbo_id, 'IncomeAccountRef', 'Account', income_account
    FROM item WHERE changed AND income_account IS NOT NULL
    UNION ALL
    SELECT 'ITEM_USES_ACCOUNT', 'Item', qbo_id, 'ExpenseAccountRef', 'Account',
        expense_account
    FROM item WHERE changed AND expense_account IS NOT NULL
    UNION ALL
    SELECT 'ITEM_USES_ACCOUNT', 'Item', qbo_id, 'AssetAccountRef', 'Account', asset_account
    FROM item WHERE changed AND asset_account IS NOT NULL
),
all_refs AS (
    SELECT rel, record_type, qbo_id, ref, target_type, target_id FROM txn_refs
    UNION ALL
    SELECT rel, txn_type, qbo_id,
        'Line ' || coalesce(id_shown(source_line_id), '?') || ' ' || ref,
        target_type, target_id
    FROM line_refs
    UNION ALL SELECT * FROM list_refs
)
SELECT r.*, k.qbo_id IS NOT NULL AS resolved,
    CASE WHEN k.qbo_id IS NULL
        THEN missing_target(r.target_type, r.target_id, l.qbo_id IS NOT NULL) END AS reason
FROM all_refs AS r
LEFT JOIN listed_record AS l ON l.entity = r.target_type AND l.qbo_id = r.target_id
LEFT JOIN (
    SELECT entity, qbo_id FROM party
    UNION ALL SELECT 'Item', qbo_id FROM item
    UNION ALL SELECT 'Account', qbo_id FROM account
    UNION ALL SELECT kind, qbo_id FROM dimension
) AS k ON k.entity = r.target_type AND k.qbo_id = r.target_id
UNION ALL
-- An account's concept comes from its AccountType and AccountSubType (account_concepts.csv).
SELECT 'ACCOUNT_MAPS_TO_ELEMENT', 'Account', o.qbo_id, 'AccountType/AccountSubType',
    'Element', coalesce(o.account_type, '(none)') || '/' || coalesce(o.account_subtype, '(none)'),
    o.concept IS NOT NULL,
    CASE
        WHEN o.concept IS NOT NULL THEN NULL
        WHEN o.account_type IS NULL THEN 'no AccountType, so no concept (no Element mapping)'
        ELSE 'no concept in account_concepts.csv for AccountType ' || o.account_type
            || ', AccountSubType ' || coalesce(o.account_subtype, '(none)')
    END
FROM out_LedgerAccount AS o;
