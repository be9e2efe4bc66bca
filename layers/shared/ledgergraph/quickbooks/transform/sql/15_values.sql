-- Values present in a record but not parseable as what the transform reads them as. Such a
-- record is rejected as a whole (20_current.sql), naming the field and the value: reading
-- the value as null would drop a posting or a date without a word.

-- Top-level fields: entity ('*' for every entity), JSON path, what it must parse as.
CREATE OR REPLACE TABLE checked_field AS
SELECT * FROM (VALUES
    ('*', 'SyncToken', 'integer'), ('*', 'MetaData.LastUpdatedTime', 'timestamp'),
    ('*', 'MetaData.CreateTime', 'timestamp'), ('*', 'sparse', 'boolean'),
    ('txn', 'TxnDate', 'date'), ('txn', 'DueDate', 'date'),
    ('txn', 'ExchangeRate', 'rate'), ('txn', 'TotalAmt', 'amount'),
    ('txn', 'Amount', 'amount'), ('txn', 'Balance', 'number'),
    ('txn', 'TxnTaxDetail.TotalTax', 'amount'), ('Deposit', 'CashBack.Amount', 'amount'),
    ('Purchase', 'Credit', 'boolean'),
    ('Account', 'CurrentBalance', 'number'), ('Account', 'Active', 'boolean'),
    ('Account', 'SubAccount', 'boolean'),
    ('Customer', 'Balance', 'number'), ('Customer', 'Active', 'boolean'),
    ('Vendor', 'Balance', 'number'), ('Vendor', 'Active', 'boolean'),
    ('Employee', 'HiredDate', 'date'), ('Employee', 'ReleasedDate', 'date'),
    ('Employee', 'BillRate', 'number'), ('Employee', 'Active', 'boolean'),
    ('Item', 'UnitPrice', 'number'), ('Item', 'PurchaseCost', 'number'),
    ('Item', 'QtyOnHand', 'number'), ('Item', 'Active', 'boolean'),
    ('Class', 'Active', 'boolean'), ('Department', 'Active', 'boolean'),
    -- Text the transform reads (json_extract_string reads {"v":1} or 7 as text too): an
    -- account's AccountType and AccountSubType choose its concept, its Classification its
    -- normal balance, a Purchase's EntityRef.type whether it names a customer or a vendor.
    ('Account', 'Name', 'text'), ('Account', 'FullyQualifiedName', 'text'),
    ('Account', 'Classification', 'text'), ('Account', 'AccountType', 'text'),
    ('Account', 'AccountSubType', 'text'), ('Account', 'AcctNum', 'text'),
    ('Customer', 'DisplayName', 'text'), ('Customer', 'CompanyName', 'text'),
    ('Vendor', 'DisplayName', 'text'), ('Vendor', 'CompanyName', 'text'),
    ('Vendor', 'AcctNum', 'text'),
    ('Employee', 'DisplayName', 'text'), ('Employee', 'EmployeeNumber', 'text'),
    ('Item', 'Name', 'text'), ('Item', 'FullyQualifiedName', 'text'), ('Item', 'Type', 'text'),
    ('Item', 'Sku', 'text'),
    ('Class', 'Name', 'text'), ('Class', 'FullyQualifiedName', 'text'),
    ('Department', 'Name', 'text'), ('Department', 'FullyQualifiedName', 'text'),
    ('CompanyInfo', 'CompanyName', 'text'), ('CompanyInfo', 'LegalName', 'text'),
    ('txn', 'DocNumber', 'text'), ('txn', 'PrivateNote', 'text'),
    ('Purchase', 'EntityRef.type', 'text')
) AS t(entity, field, kind);

-- A number's text (number_pattern) in parts: digits before the point (i), after it (f),
-- exponent (e).
CREATE OR REPLACE MACRO number_parts(t) AS regexp_extract(
    t, '^-?([0-9]*)(?:\.([0-9]*))?(?:[eE]([-+]?[0-9]+))?$', ['i', 'f', 'e']);

CREATE OR REPLACE MACRO number_exponent(p) AS
    TRY_CAST(coalesce(nullif(p.e, ''), '0') AS INTEGER);

-- Digits the number needs before and after the point ('12.50': 2 and 1; '1.5e3': 4, 0).
CREATE OR REPLACE MACRO whole_digits(p) AS CASE
    WHEN ltrim(p.i || p.f, '0') = '' THEN 0
    ELSE greatest(0, length(p.i) + number_exponent(p)
        - (length(p.i || p.f) - length(ltrim(p.i || p.f, '0'))))
END;

CREATE OR REPLACE MACRO decimal_places(p) AS CASE
    WHEN rtrim(p.i || p.f, '0') = '' THEN 0
    ELSE greatest(0, length(rtrim(p.i || p.f, '0')) - length(p.i) - number_exponent(p))
END;

-- The decimal types numbers are read into: a DECIMAL(38, 12) column keeps 26 digits
-- before the point and 12 after; amounts pass DECIMAL(24, 6) on their way to the home
-- currency (to_home in 00_macros.sql), an exchange rate DECIMAL(18, 10). A number that
-- does not fit is rejected, never rounded or overflowed.
CREATE OR REPLACE TABLE number_kind AS
SELECT * FROM (VALUES
    ('number', 26, 12, 'a number'), ('amount', 18, 6, 'an amount'),
    ('rate', 8, 10, 'an exchange rate')
) AS t(kind, whole, places, noun);

-- Whether the JSON value v parses as kind (the same casts the transform reads it with).
CREATE OR REPLACE MACRO parses_as(v, kind) AS CASE kind
    WHEN 'integer' THEN as_whole(json_extract_string(v, '$')) IS NOT NULL
    WHEN 'date' THEN as_date(json_extract_string(v, '$')) IS NOT NULL
    WHEN 'timestamp' THEN as_instant(json_extract_string(v, '$')) IS NOT NULL
    WHEN 'boolean' THEN json_type(v) = 'BOOLEAN'
    WHEN 'text' THEN json_type(v) = 'VARCHAR'
    -- numbers by their text: how many digits they need is measured in value_error
    ELSE regexp_full_match(json_extract_string(v, '$'), number_pattern())
END;

CREATE OR REPLACE MACRO kind_words(kind) AS CASE kind
    WHEN 'integer' THEN 'a whole number (digits only, at most 18)'
    WHEN 'date' THEN 'a date (YYYY-MM-DD)'
    WHEN 'timestamp' THEN 'a date and time (YYYY-MM-DDThh:mm:ss and Z or a UTC offset)'
    WHEN 'boolean' THEN 'true or false' WHEN 'text' THEN 'text (a JSON string)'
    ELSE 'a number'
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
    SELECT l.record_no, l.path || '.Amount' AS path, 'amount' AS kind,
        json_extract(l.line, '$.Amount') AS value
    FROM incoming_line AS l
    UNION ALL
    SELECT record_no, path || '.Description', 'text', json_extract(line, '$.Description')
    FROM incoming_line
    UNION ALL
    -- a line's Id is text, as a record's is; not a key (lines are numbered by position), so
    -- one not of digits is kept and quoted where a reason names it (95_references.sql)
    SELECT record_no, path || '.Id', 'text', json_extract(line, '$.Id') FROM incoming_line
    UNION ALL
    SELECT l.record_no, l.path || '.' || txt(l.line, '$.DetailType') || '.' || q.field,
        'number', json_extract(l.line, '$."' || txt(l.line, '$.DetailType') || '".' || q.field)
    FROM incoming_line AS l, (VALUES ('Qty'), ('UnitPrice')) AS q(field)
    -- the path is built of the DetailType: any other one is rejected below (line_kind)
    WHERE regexp_full_match(txt(l.line, '$.DetailType'), '[A-Za-z]+')
),
present AS (
    SELECT * FROM (SELECT * FROM fields UNION ALL SELECT * FROM line_fields)
    WHERE value IS NOT NULL AND json_type(value) <> 'NULL'
),
measured AS (
    SELECT n.*, k.whole AS max_whole, k.places AS max_places, k.noun,
        whole_digits(number_parts(json_extract_string(n.value, '$'))) AS whole,
        decimal_places(number_parts(json_extract_string(n.value, '$'))) AS places
    FROM present AS n
    JOIN number_kind AS k USING (kind)
    WHERE parses_as(n.value, n.kind)
),
-- A line's detail object is named by its DetailType (a plain name: the path is built of it).
detailed_line AS (
    SELECT record_no, path, line, txt(line, '$.DetailType') AS detail
    FROM incoming_line
    WHERE json_type(line) = 'OBJECT'
        AND regexp_full_match(txt(line, '$.DetailType'), '[A-Za-z]+')
),
-- Structure the transform unnests or follows: a list of lines, each line an object, a
-- bundle's list of lines, a line's detail an object, a reference (header or line detail)
-- an object ({"value": "35"}, below), a LinkedTxn (record or line) a list. Anything else
-- (QuickBooks never sends it) rejects the record here rather than failing the run's SQL or
-- dropping a relationship without a word (the same checks as listings.shape_problem,
-- which load-sample runs before landing).
shape AS (
    SELECT i.record_no, s.field AS path, json_extract(i.rec, '$.' || s.field) AS value,
        s.json_kind, s.words, true AS null_ok
    FROM incoming AS i, (VALUES
        ('Line', 'ARRAY', 'a list of lines'),
        ('CustomerRef', 'OBJECT', 'a reference'), ('VendorRef', 'OBJECT', 'a reference'),
        ('EntityRef', 'OBJECT', 'a reference'), ('ClassRef', 'OBJECT', 'a reference'),
        ('DepartmentRef', 'OBJECT', 'a reference'), ('CurrencyRef', 'OBJECT', 'a reference'),
        ('AccountRef', 'OBJECT', 'a reference'), ('APAccountRef', 'OBJECT', 'a reference'),
        ('ARAccountRef', 'OBJECT', 'a reference'),
        ('DepositToAccountRef', 'OBJECT', 'a reference'),
        ('FromAccountRef', 'OBJECT', 'a reference'), ('ToAccountRef', 'OBJECT', 'a reference'),
        ('ParentRef', 'OBJECT', 'a reference'), ('IncomeAccountRef', 'OBJECT', 'a reference'),
        ('ExpenseAccountRef', 'OBJECT', 'a reference'),
        ('AssetAccountRef', 'OBJECT', 'a reference'),
        -- the account a bill payment is paid from, a deposit's cash back goes to
        ('CheckPayment', 'OBJECT', 'a payment detail (an object)'),
        ('CreditCardPayment', 'OBJECT', 'a payment detail (an object)'),
        ('CashBack', 'OBJECT', 'a cash back (an object)'),
        ('CheckPayment.BankAccountRef', 'OBJECT', 'a reference'),
        ('CreditCardPayment.CCAccountRef', 'OBJECT', 'a reference'),
        ('CashBack.AccountRef', 'OBJECT', 'a reference'),
        ('LinkedTxn', 'ARRAY', 'a list of linked transactions')
    ) AS s(field, json_kind, words)
    WHERE NOT i.is_deleted
    UNION ALL
    SELECT record_no, path, line, 'OBJECT', 'a line (an object)', false FROM incoming_line
    UNION ALL
    SELECT record_no, path || '.GroupLineDetail.Line',
        json_extract(line, '$.GroupLineDetail.Line'), 'ARRAY', 'a list of lines', true
    FROM incoming_line
    UNION ALL
    SELECT record_no, path || '.LinkedTxn', json_extract(line, '$.LinkedTxn'), 'ARRAY',
        'a list of linked transactions', true
    FROM incoming_line
    UNION ALL
    SELECT record_no, path || '.' || detail, json_extract(line, '$."' || detail || '"'),
        'OBJECT', 'a line detail (an object)', true
    FROM detailed_line
    UNION ALL
    SELECT l.record_no, l.path || '.' || l.detail || '.' || r.ref,
        json_extract(l.line, '$."' || l.detail || '".' || r.ref), 'OBJECT', 'a reference', true
    FROM detailed_line AS l, (VALUES
        ('AccountRef'), ('ClassRef'), ('DepartmentRef'), ('DiscountAccountRef'),
        ('ItemAccountRef'), ('ItemRef')
    ) AS r(ref)
    WHERE json_type(l.line, '$."' || l.detail || '"') = 'OBJECT'
),
misshapen AS (
    SELECT record_no, path, coalesce(value, 'null'::JSON) AS value, 'is not ' || words AS why
    FROM shape
    WHERE coalesce(json_type(value), 'NULL') <> json_kind
        AND NOT (null_ok AND coalesce(json_type(value), 'NULL') = 'NULL')
),
-- A reference is followed by its value, the Id of the record it names: one without (or
-- with a value that is not text) would load the line or record pointing at nothing.
unvalued AS (
    SELECT record_no, path, value, 'is a reference without a value (an Id as text)' AS why
    FROM shape
    WHERE words = 'a reference' AND json_type(value) = 'OBJECT'
        AND coalesce(json_type(value, '$.value'), 'NULL') <> 'VARCHAR'
),
-- A DetailType names the line's detail object, so the transform builds JSON paths of it:
-- one that is not a plain name ("", "Sales\"Item") would fail the run's SQL.
line_kind AS (
    SELECT record_no, path || '.DetailType' AS path,
        json_extract(line, '$.DetailType') AS value,
        'is not a line kind (a name of letters)' AS why
    FROM incoming_line
    WHERE json_type(line) = 'OBJECT'
        AND coalesce(json_type(line, '$.DetailType'), 'NULL') <> 'NULL'
        AND NOT coalesce(json_type(line, '$.DetailType') = 'VARCHAR'
            AND regexp_full_match(txt(line, '$.DetailType'), '[A-Za-z]+'), false)
),
-- Each entry of a LinkedTxn list names the transaction it links to by TxnType and TxnId:
-- an entry that cannot name one ("96", {"TxnId": ""}) would be counted as a link to a
-- transaction the sync does not extract, which it is not.
link_entry AS (
    SELECT i.record_no, 'LinkedTxn[' || (k.n - 1) || ']' AS path, k.link
    FROM incoming AS i,
        unnest(CAST(json_extract(i.rec, '$.LinkedTxn') AS JSON[])) WITH ORDINALITY AS k(link, n)
    WHERE NOT i.is_deleted AND json_type(i.rec, '$.LinkedTxn') = 'ARRAY'
    UNION ALL
    SELECT l.record_no, l.path || '.LinkedTxn[' || (k.n - 1) || ']', k.link
    FROM incoming_line AS l,
        unnest(CAST(json_extract(l.line, '$.LinkedTxn') AS JSON[])) WITH ORDINALITY AS k(link, n)
    WHERE json_type(l.line) = 'OBJECT' AND json_type(l.line, '$.LinkedTxn') = 'ARRAY'
),
unlinked AS (
    SELECT record_no, path, link AS value,
        'is not a link to a transaction (an object with a TxnType and a TxnId of digits)' AS why
    FROM link_entry
    WHERE NOT coalesce(json_type(link) = 'OBJECT'
        AND json_type(link, '$.TxnType') = 'VARCHAR'
        AND regexp_full_match(txt(link, '$.TxnType'), '[A-Za-z]+')
        AND json_type(link, '$.TxnId') = 'VARCHAR'
        AND regexp_full_match(txt(link, '$.TxnId'), '[0-9]+'), false)
),
-- A record's version is its SyncToken, then MetaData.LastUpdatedTime (20_current.sql), and
-- the version stored with it says when QuickBooks last changed it: a record QuickBooks sends
-- always carries both. One without a LastUpdatedTime would be stored under the previous
-- version's time. Not checked: a deletion stub, and CompanyInfo, which comes from its own
-- request (and the offline stand-ins of it carry no MetaData).
undated AS (
    SELECT record_no, 'MetaData' AS path, coalesce(json_extract(rec, '$.MetaData'), 'null')
            AS value,
        'has no LastUpdatedTime (every record QuickBooks sends is dated)' AS why
    FROM incoming
    WHERE NOT is_deleted AND entity <> 'CompanyInfo'
        AND coalesce(json_type(rec, '$.MetaData.LastUpdatedTime'), 'NULL') = 'NULL'
),
-- A value nested deeper than any record QuickBooks sends was cut out of the answer before
-- it was read, and a marker naming the record's field put in its place (nesting.py).
too_deep AS (
    SELECT record_no,
        json_extract_string(regexp_extract(CAST(rec AS VARCHAR),
            '\{"ledgergraph_too_deep": ?("(?:[^"\\]|\\.)*"|null)\}', 1), '$') AS path,
        NULL::JSON AS value,
        'is nested more than 32 levels deep (no record QuickBooks sends is): not read' AS why
    FROM incoming
    WHERE contains(CAST(rec AS VARCHAR), '"ledgergraph_too_deep":')
),
-- A CDC deletion is a stub with "status": "Deleted" (10_records.sql). A status that is not
-- text (1, {"x":1}, null) is none QuickBooks writes: read as a live record, the stub
-- overwrote the record it names with its Id alone.
misstated AS (
    SELECT record_no, 'status' AS path, json_extract(rec, '$.status') AS value,
        'is not a record status (text; "Deleted" marks a deletion)' AS why
    FROM incoming
    WHERE json_type(rec, '$.status') <> 'VARCHAR'
),
bad AS (
    SELECT record_no, coalesce(path, 'a field') AS path, value, why FROM too_deep
    UNION ALL
    SELECT * FROM misstated
    UNION ALL
    SELECT record_no, path, value, why FROM misshapen
    UNION ALL
    SELECT * FROM undated
    UNION ALL
    SELECT * FROM unlinked
    UNION ALL
    SELECT * FROM unvalued
    UNION ALL
    SELECT * FROM line_kind
    UNION ALL
    SELECT record_no, path, value, 'is not ' || kind_words(kind) AS why
    FROM present WHERE NOT parses_as(value, kind)
    UNION ALL
    SELECT record_no, path, value,
        CASE WHEN whole > max_whole
            THEN 'has ' || whole || ' digits before the point, more than the ' || max_whole
                || ' ' || noun || ' can hold'
            ELSE 'has ' || places || ' decimal places, more than the ' || max_places || ' '
                || noun || ' keeps'
        END
    FROM measured WHERE whole > max_whole OR places > max_places
)
-- the first bad field of each record names the rejection
SELECT record_no,
    arg_min(path || coalesce(' ' || left(CAST(value AS VARCHAR), 80), '') || ' ' || why, path)
        AS problem
FROM bad
GROUP BY record_no;
