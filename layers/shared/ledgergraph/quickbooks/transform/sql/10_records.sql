-- Every record of the run's raw pages: query pages, CDC responses and CompanyInfo.
CREATE OR REPLACE TABLE incoming AS
WITH query_records AS (
    SELECT p.entity, p.raw_key, p.number, r.pos, r.rec, 'query' AS origin
    FROM raw_page AS p,
        unnest(CAST(coalesce(json_extract(p.body, '$.QueryResponse.' || p.entity), '[]') AS JSON[]))
            WITH ORDINALITY AS r(rec, pos)
    WHERE p.kind = 'query'
),
cdc_parts AS (
    SELECT p.raw_key, p.number, part.value AS part
    FROM raw_page AS p,
        unnest(CAST(coalesce(json_extract(p.body, '$.CDCResponse[*].QueryResponse[*]'), '[]')
            AS JSON[])) AS part(value)
    WHERE p.kind = 'cdc'
),
cdc_records AS (
    SELECT k.entity, c.raw_key, c.number, r.pos, r.rec, 'cdc' AS origin
    FROM cdc_parts AS c,
        unnest(json_keys(c.part)) AS k(entity),
        unnest(CAST(json_extract(c.part, '$."' || k.entity || '"') AS JSON[]))
            WITH ORDINALITY AS r(rec, pos)
    WHERE json_type(c.part, '$."' || k.entity || '"') = 'ARRAY'
),
company_records AS (
    SELECT 'CompanyInfo' AS entity, raw_key, number, 1 AS pos,
        json_extract(body, '$.CompanyInfo') AS rec, 'companyinfo' AS origin
    FROM raw_page
    WHERE kind = 'companyinfo' AND json_extract(body, '$.CompanyInfo') IS NOT NULL
),
all_records AS (
    SELECT * FROM query_records
    UNION ALL SELECT * FROM cdc_records
    UNION ALL SELECT * FROM company_records
)
-- record_no numbers the records of the run: (raw_key, pos) repeats across a CDC page's entities.
SELECT
    row_number() OVER (ORDER BY raw_key, entity, pos) AS record_no,
    entity, raw_key, number, pos, origin, rec,
    -- QuickBooks Ids are digits ("130"); anything else (empty, " 130 ") is no key, so it
    -- cannot become a second record beside the real one: rejected in 20_current.sql
    CASE WHEN regexp_full_match(txt(rec, '$.Id'), '[0-9]+') THEN txt(rec, '$.Id') END
        AS qbo_id,
    txt(rec, '$.SyncToken') AS sync_token,
    txt(rec, '$.MetaData.LastUpdatedTime') AS last_updated,
    coalesce(txt(rec, '$.status') = 'Deleted', false) AS is_deleted,
    coalesce(flag(rec, '$.sparse'), false) AS is_sparse
FROM all_records;
