-- Which incoming record wins, and every record known after this run (prior state + changes).

CREATE OR REPLACE TABLE modelled_entity AS
SELECT * FROM (VALUES
    ('CompanyInfo'), ('Account'), ('Customer'), ('Vendor'), ('Employee'), ('Item'), ('Class'),
    ('Department'),
    ('JournalEntry'), ('Invoice'), ('Bill'), ('Payment'), ('BillPayment'), ('SalesReceipt'),
    ('Purchase'), ('Deposit'), ('Transfer'), ('CreditMemo'), ('VendorCredit'), ('RefundReceipt')
) AS t(entity);

-- The newest version of each record seen in the run: a delete is final, then the highest
-- SyncToken, then the latest update time, then the later page.
CREATE OR REPLACE TABLE ranked_incoming AS
SELECT *,
    row_number() OVER (
        PARTITION BY entity, qbo_id
        ORDER BY is_deleted DESC, TRY_CAST(sync_token AS BIGINT) DESC NULLS LAST,
            last_updated DESC NULLS LAST, origin = 'cdc' DESC, raw_key DESC, pos DESC
    ) AS version_rank
FROM incoming;

-- One outcome per raw record: the reconciliation's "in = out + rejected" starts here.
CREATE OR REPLACE TABLE record_outcome AS
SELECT i.entity, i.qbo_id, i.raw_key, i.pos,
    CASE
        WHEN i.qbo_id IS NULL THEN 'rejected: record without Id'
        WHEN m.entity IS NULL THEN 'rejected: no graph table for ' || i.entity
        WHEN i.version_rank > 1 THEN 'superseded: newer version in the same run'
        ELSE 'out'
    END AS outcome
FROM ranked_incoming AS i
LEFT JOIN modelled_entity AS m USING (entity);

CREATE OR REPLACE TABLE latest_incoming AS
SELECT i.*
FROM ranked_incoming AS i
JOIN modelled_entity AS m USING (entity)
WHERE i.qbo_id IS NOT NULL AND i.version_rank = 1;

-- Prior state merged with the run. A deleted record keeps its last known fields; a sparse
-- record patches the stored one; a record missing from an entity listed in full is gone.
CREATE OR REPLACE TABLE current_record AS
SELECT
    coalesce(i.entity, p.entity) AS entity,
    coalesce(i.qbo_id, p.qbo_id) AS qbo_id,
    CASE
        WHEN i.qbo_id IS NULL THEN p.rec
        WHEN i.is_deleted THEN coalesce(p.rec, i.rec)
        WHEN i.is_sparse AND p.rec IS NOT NULL THEN json_merge_patch(p.rec, drop_null_fields(i.rec))
        ELSE i.rec
    END AS rec,
    CASE
        WHEN i.qbo_id IS NOT NULL THEN i.is_deleted
        WHEN f.entity IS NOT NULL THEN true
        ELSE p.is_deleted
    END AS is_deleted,
    coalesce(i.sync_token, p.sync_token) AS sync_token,
    coalesce(i.last_updated, p.last_updated) AS last_updated,
    i.qbo_id IS NOT NULL OR (f.entity IS NOT NULL AND NOT p.is_deleted) AS changed,
    i.qbo_id IS NULL AND f.entity IS NOT NULL AND NOT p.is_deleted AS deleted_by_absence
FROM prior_record AS p
FULL OUTER JOIN latest_incoming AS i ON i.entity = p.entity AND i.qbo_id = p.qbo_id
LEFT JOIN full_entity AS f ON f.entity = p.entity AND i.qbo_id IS NULL;

-- The company's home currency: QuickBooks keeps Retained Earnings in it.
CREATE OR REPLACE TABLE company AS
SELECT
    'qbo:' || getvariable('realm_id') AS id,
    coalesce(
        (SELECT min(txt(rec, '$.CurrencyRef.value')) FROM current_record
         WHERE entity = 'Account' AND txt(rec, '$.AccountSubType') = 'RetainedEarnings'),
        (SELECT min(txt(rec, '$.CurrencyRef.value')) FROM current_record
         WHERE entity = 'Account')
    ) AS home_currency,
    (SELECT coalesce(txt(rec, '$.CompanyName'), txt(rec, '$.LegalName')) FROM current_record
     WHERE entity = 'CompanyInfo' LIMIT 1) AS name;
