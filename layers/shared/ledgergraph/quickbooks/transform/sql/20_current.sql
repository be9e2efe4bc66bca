-- Which incoming record wins, and every record known after this run (prior state + changes).

CREATE OR REPLACE TABLE modelled_entity AS
SELECT * FROM (VALUES
    ('CompanyInfo'), ('Account'), ('Customer'), ('Vendor'), ('Employee'), ('Item'), ('Class'),
    ('Department'),
    ('JournalEntry'), ('Invoice'), ('Bill'), ('Payment'), ('BillPayment'), ('SalesReceipt'),
    ('Purchase'), ('Deposit'), ('Transfer'), ('CreditMemo'), ('VendorCredit'), ('RefundReceipt')
) AS t(entity);

-- A record's version: its SyncToken (QuickBooks adds one on every update of the record),
-- then MetaData.LastUpdatedTime for records of equal (or without a) SyncToken.
CREATE OR REPLACE MACRO version_token(sync_token) AS as_whole(sync_token);
CREATE OR REPLACE MACRO version_time(last_updated) AS as_instant(last_updated);

-- Whether version (token_a, time_a) is older than (token_b, time_b); unknown parts compare
-- as equal, so a record without a version is never called older.
CREATE OR REPLACE MACRO version_older(token_a, time_a, token_b, time_b) AS coalesce(
    version_token(token_a) < version_token(token_b)
    OR (coalesce(version_token(token_a) = version_token(token_b), true)
        AND version_time(time_a) < version_time(time_b)),
    false
);

-- The newest version of each record seen in the run: a delete is final, then the highest
-- SyncToken, then the latest update time, then the later page.
CREATE OR REPLACE TABLE ranked_incoming AS
SELECT *,
    row_number() OVER (
        PARTITION BY entity, qbo_id
        ORDER BY is_deleted DESC, version_token(sync_token) DESC NULLS LAST,
            version_time(last_updated) DESC NULLS LAST, origin = 'cdc' DESC, raw_key DESC,
            pos DESC
    ) AS version_rank
FROM incoming;

-- Records of the run with the same version as their newest one (rank 1 included). Equal
-- content is the same record listed twice (a duplicate); different content under one
-- version cannot be ordered, so every record of that version is rejected (conflict). Two
-- deletions of one version are the same deletion, whatever else their bodies say.
CREATE OR REPLACE TABLE tied_incoming AS
WITH tied AS (
    SELECT i.record_no, i.entity, i.qbo_id,
        i.is_deleted OR CAST(json_extract(i.rec, '$') AS VARCHAR)
            = CAST(json_extract(w.rec, '$') AS VARCHAR) AS same_content,
        'SyncToken ' || coalesce(w.sync_token, '?') || ' updated '
            || coalesce(w.last_updated, '?') AS version
    FROM ranked_incoming AS i
    JOIN ranked_incoming AS w
        ON w.entity = i.entity AND w.qbo_id = i.qbo_id AND w.version_rank = 1
        AND w.is_deleted = i.is_deleted
        AND version_token(w.sync_token) IS NOT DISTINCT FROM version_token(i.sync_token)
        AND version_time(w.last_updated) IS NOT DISTINCT FROM version_time(i.last_updated)
)
SELECT record_no, same_content, version,
    count(*) OVER (PARTITION BY entity, qbo_id) AS copies,
    bool_and(same_content) OVER (PARTITION BY entity, qbo_id) AS all_same
FROM tied;

-- The run's newest version against the version known before the run (prior_record). An
-- older one (a run loaded or redriven after a newer one) is superseded, not applied. A
-- deletion QuickBooks reported (CDC) is final: after it only a higher SyncToken than the
-- last known brings a record back. One only inferred from a full listing that lacked the
-- record is not: the record listed again proves the inference wrong, and it is live again
-- unless older than the version known.
CREATE OR REPLACE TABLE stale_incoming AS
SELECT i.record_no,
    CASE
        WHEN p.is_deleted AND NOT p.deleted_by_absence
            THEN 'deleted after SyncToken ' || coalesce(p.sync_token, '?')
        ELSE 'SyncToken ' || coalesce(p.sync_token, '?') || ' updated '
            || coalesce(p.last_updated, '?')
            || CASE WHEN p.is_deleted THEN ', then missing from a full listing' ELSE '' END
    END AS known
FROM ranked_incoming AS i
JOIN prior_record AS p ON p.entity = i.entity AND p.qbo_id = i.qbo_id
WHERE i.version_rank = 1 AND NOT i.is_deleted AND (
    version_older(i.sync_token, i.last_updated, p.sync_token, p.last_updated)
    OR (p.is_deleted AND NOT p.deleted_by_absence AND NOT coalesce(
        version_token(i.sync_token) > version_token(p.sync_token), false))
);

-- Records without an Id (absent or null), with an empty one or one not of QuickBooks'
-- shape (digits only): which record they are cannot be told, so they are rejected naming
-- their page and position (a CDC deletion stub as "a deletion"), and their entity's full
-- listing deletes nothing in this run (the record may be any of the known ones).
CREATE OR REPLACE TABLE unkeyed_record AS
SELECT record_no, entity,
    entity || ' record ' || pos || ' of ' || raw_key
        || coalesce(' (DisplayName ' || to_json(txt(rec, '$.DisplayName')) || ')',
                    ' (DocNumber ' || to_json(txt(rec, '$.DocNumber')) || ')', '')
        || CASE WHEN is_deleted THEN ' (a deletion)' ELSE '' END
        || CASE
            WHEN coalesce(json_type(rec, '$.Id'), 'NULL') = 'NULL' THEN ': no Id'
            WHEN trim(txt(rec, '$.Id')) = '' THEN ': empty Id'
            ELSE ': Id ' || to_json(txt(rec, '$.Id'))
                || ' is not a QuickBooks Id (digits only)'
        END
        AS problem
FROM incoming WHERE qbo_id IS NULL;

CREATE OR REPLACE TABLE listing_not_trusted AS
SELECT entity, count(*) AS unkeyed,
    count(*) || ' ' || entity || CASE WHEN count(*) = 1 THEN ' record' ELSE ' records' END
        || ' without a valid Id in the full listing: no known '
        || entity || ' is marked deleted for missing from it' AS reason
FROM unkeyed_record
WHERE entity IN (SELECT entity FROM full_entity)
GROUP BY entity;

-- One outcome per raw record: the reconciliation's "in = out + rejected" starts here.
CREATE OR REPLACE TABLE record_outcome AS
SELECT i.record_no, i.entity, i.qbo_id, i.raw_key, i.pos,
    CASE
        WHEN u.problem IS NOT NULL THEN 'rejected: ' || u.problem
        WHEN m.entity IS NULL THEN 'rejected: no graph table for ' || i.entity
        WHEN NOT t.all_same
            THEN 'rejected: ' || i.entity || ' ' || i.qbo_id || ': ' || t.copies
                || ' records with different content have the same version (' || t.version
                || ') in the run'
        WHEN t.copies > 1 AND i.version_rank > 1
            THEN 'duplicate: ' || i.entity || ' ' || i.qbo_id || ': the same record ('
                || t.version || ') listed again in the run'
        -- before the order of versions: an unreadable SyncToken ("0x10") ranks last
        WHEN e.problem IS NOT NULL
            THEN 'rejected: ' || i.entity || ' ' || i.qbo_id || ': ' || e.problem
        WHEN i.version_rank > 1
            THEN 'superseded: ' || i.entity || ' ' || i.qbo_id || ': SyncToken '
                || coalesce(i.sync_token, '?') || ' updated ' || coalesce(i.last_updated, '?')
                || ' has a newer version in the same run'
        WHEN s.known IS NOT NULL
            THEN 'superseded: ' || i.entity || ' ' || i.qbo_id || ': SyncToken '
                || coalesce(i.sync_token, '?') || ' updated ' || coalesce(i.last_updated, '?')
                || ' is older than the version known (' || s.known || ')'
        ELSE 'out'
    END AS outcome
FROM ranked_incoming AS i
LEFT JOIN modelled_entity AS m USING (entity)
LEFT JOIN value_error AS e USING (record_no)
LEFT JOIN stale_incoming AS s USING (record_no)
LEFT JOIN tied_incoming AS t USING (record_no)
LEFT JOIN unkeyed_record AS u USING (record_no);

CREATE OR REPLACE TABLE latest_incoming AS
SELECT i.*
FROM ranked_incoming AS i
JOIN record_outcome AS o USING (record_no)
WHERE o.outcome = 'out';

-- Records the run listed, whatever their outcome: a rejected or superseded record is not
-- gone from QuickBooks, so a full listing does not turn it into a tombstone.
CREATE OR REPLACE TABLE listed_record AS
SELECT DISTINCT entity, qbo_id FROM incoming WHERE qbo_id IS NOT NULL;

-- Prior state merged with the run. A deleted record keeps its last known fields; a sparse
-- record patches the stored one; a record missing from an entity listed in full is gone.
-- A full listing writes a tombstone for every known record it lacks; every run, CDC runs
-- too, restates the tombstone of each record deleted before it that it does not list
-- (not counted as a deletion of this run): the run's own rows then say what it deleted, so
-- deleting an earlier run that deleted a record leaves the tombstone in the graph, as a
-- rebuild without that run would.
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
    i.qbo_id IS NOT NULL OR f.entity IS NOT NULL OR coalesce(p.is_deleted, false) AS changed,
    i.qbo_id IS NULL AND coalesce(p.is_deleted, false) AS tombstone_restated,
    -- stays true while the record is deleted only because a full listing lacked it
    CASE
        WHEN i.qbo_id IS NOT NULL THEN false
        WHEN f.entity IS NOT NULL AND NOT p.is_deleted THEN true
        ELSE coalesce(p.deleted_by_absence, false)
    END AS deleted_by_absence
FROM prior_record AS p
FULL OUTER JOIN latest_incoming AS i ON i.entity = p.entity AND i.qbo_id = p.qbo_id
LEFT JOIN full_entity AS f ON f.entity = p.entity AND i.qbo_id IS NULL
    AND f.entity NOT IN (SELECT entity FROM listing_not_trusted)
    AND NOT EXISTS (
        SELECT 1 FROM listed_record AS r WHERE r.entity = p.entity AND r.qbo_id = p.qbo_id);

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
