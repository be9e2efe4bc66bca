-- Values present in a record but not parseable as what the transform reads them as. Such a
-- record is rejected as a whole (20_current.sql), naming the field and the value: reading
-- the value as null would drop a posting or a date without a word.

-- Top-level fields: entity ('*' for every entity), JSON path, what it must parse as.
CREATE OR REPLACE TABLE checked_field AS
SELECT * FROM (VALUES
    ('*', 'SyncToken', 'integer'), ('*', 'MetaData.LastUpdatedTime', 'timestamp'),
    ('txn', 'TxnDate', 'date'), ('txn', 'DueDate', 'date'),
    ('txn', 'ExchangeRate', 'number'), ('txn', 'TotalAmt', 'number'),
    ('txn', 'Amount', 'number'), ('txn', 'Balance', 'number'),
    ('txn', 'TxnTaxDetail.TotalTax', 'number'), ('Deposit', 'CashBack.Amount', 'number'),
    ('Purchase', 'Credit', 'boolean'),
    ('Account', 'CurrentBalance', 'number'), ('Account', 'Active', 'boolean'),
    ('Account', 'SubAccount', 'boolean'),
    ('Customer', 'Balance', 'number'), ('Customer', 'Active', 'boolean'),
    ('Vendor', 'Balance', 'number'), ('Vendor', 'Active', 'boolean'),
    ('Employee', 'HiredDate', 'date'), ('Employee', 'ReleasedDate', 'date'),
    ('Employee', 'BillRate', 'number'), ('Employee', 'Active', 'boolean'),
    ('Item', 'UnitPrice', 'number'), ('Item', 'PurchaseCost', 'number'),
    ('Item', 'QtyOnHand', 'number'), ('Item', 'Active', 'boolean'),
    ('Class', 'Active', 'boolean'), ('Department', 'Active', 'boolean')
) AS t(entity, field, kind);

-- Whether the JSON value v parses as kind (the same casts the transform reads it with).
CREATE OR REPLACE MACRO parses_as(v, kind) AS CASE kind
    WHEN 'number' THEN TRY_CAST(json_extract_string(v, '$') AS DECIMAL(38, 12)) IS NOT NULL
    WHEN 'integer' THEN TRY_CAST(json_extract_string(v, '$') AS BIGINT) IS NOT NULL
    WHEN 'date' THEN TRY_CAST(json_extract_string(v, '$') AS DATE) IS NOT NULL
    WHEN 'timestamp' THEN TRY_CAST(json_extract_string(v, '$') AS TIMESTAMPTZ) IS NOT NULL
    WHEN 'boolean' THEN TRY_CAST(v AS BOOLEAN) IS NOT NULL
END;

CREATE OR REPLACE MACRO kind_words(kind) AS CASE kind
    WHEN 'number' THEN 'a number' WHEN 'integer' THEN 'a whole number'
    WHEN 'date' THEN 'a date (YYYY-MM-DD)' WHEN 'timestamp' THEN 'a date and time'
    WHEN 'boolean' THEN 'true or false'
END;

-- A transaction's lines (bundle lines inside a GroupLineDetail too), with their JSON path.
CREATE OR REPLACE TABLE incoming_line AS
WITH top AS (
    SELECT i.record_no, 'Line[' || (l.n - 1) || ']' AS path, l.line
    FROM incoming AS i,
        unnest(CAST(coalesce(json_extract(i.rec, '$.Line'), '[]') AS JSON[]))
            WITH ORDINALITY AS l(line, n)
    WHERE json_type(i.rec, '$.Line') = 'ARRAY'
)
SELECT * FROM top
UNION ALL
SELECT top.record_no, top.path || '.GroupLineDetail.Line[' || (g.n - 1) || ']', g.line
FROM top,
    unnest(CAST(json_extract(top.line, '$.GroupLineDetail.Line') AS JSON[]))
        WITH ORDINALITY AS g(line, n)
WHERE json_type(top.line, '$.GroupLineDetail.Line') = 'ARRAY';

CREATE OR REPLACE TABLE value_error AS
WITH fields AS (
    SELECT i.record_no, f.field AS path, f.kind,
        json_extract(i.rec, '$.' || f.field) AS value
    FROM incoming AS i
    JOIN checked_field AS f
        ON f.entity IN (i.entity, '*')
        OR (f.entity = 'txn' AND i.entity IN (
            'JournalEntry', 'Invoice', 'Bill', 'Payment', 'BillPayment', 'SalesReceipt',
            'Purchase', 'Deposit', 'Transfer', 'CreditMemo', 'VendorCredit', 'RefundReceipt'))
),
line_fields AS (
    SELECT l.record_no, l.path || '.Amount' AS path, 'number' AS kind,
        json_extract(l.line, '$.Amount') AS value
    FROM incoming_line AS l
    UNION ALL
    SELECT l.record_no, l.path || '.' || txt(l.line, '$.DetailType') || '.' || q.field,
        'number', json_extract(l.line, '$."' || txt(l.line, '$.DetailType') || '".' || q.field)
    FROM incoming_line AS l, (VALUES ('Qty'), ('UnitPrice')) AS q(field)
    WHERE txt(l.line, '$.DetailType') IS NOT NULL
),
bad AS (
    SELECT * FROM (SELECT * FROM fields UNION ALL SELECT * FROM line_fields)
    WHERE value IS NOT NULL AND json_type(value) <> 'NULL' AND NOT parses_as(value, kind)
)
-- the first bad field of each record names the rejection
SELECT record_no,
    arg_min(path || ' ' || left(CAST(value AS VARCHAR), 80) || ' is not ' || kind_words(kind),
        path)
        AS problem
FROM bad
GROUP BY record_no;
