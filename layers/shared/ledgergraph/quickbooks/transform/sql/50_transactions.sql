-- Transactions and their QuickBooks lines (bundle lines of a GroupLineDetail unnested).

CREATE OR REPLACE TABLE txn AS
SELECT c.entity AS txn_type, c.qbo_id, c.rec, c.is_deleted, c.changed, c.sync_token,
    c.last_updated,
    qbo_node_id(c.entity, c.qbo_id) AS id,
    txt(c.rec, '$.DocNumber') AS doc_number,
    calendar_day(c.rec, '$.TxnDate') AS txn_date,
    calendar_day(c.rec, '$.DueDate') AS due_date,
    coalesce(txt(c.rec, '$.CurrencyRef.value'), co.home_currency) AS currency,
    coalesce(money(c.rec, '$.ExchangeRate'), 1) AS exchange_rate,
    co.home_currency,
    coalesce(money(c.rec, '$.TotalAmt'), money(c.rec, '$.Amount')) AS total_amount,
    money(c.rec, '$.Balance') AS open_balance,
    coalesce(money(c.rec, '$.TxnTaxDetail.TotalTax'), 0) AS total_tax,
    txt(c.rec, '$.PrivateNote') AS private_note,
    txt(c.rec, '$.ClassRef.value') AS class_qbo_id,
    txt(c.rec, '$.DepartmentRef.value') AS department_qbo_id,
    CASE
        WHEN c.entity IN ('Invoice', 'SalesReceipt', 'CreditMemo', 'RefundReceipt', 'Payment')
            THEN txt(c.rec, '$.CustomerRef.value')
        WHEN c.entity = 'Purchase' AND txt(c.rec, '$.EntityRef.type') = 'Customer'
            THEN txt(c.rec, '$.EntityRef.value')
    END AS customer_qbo_id,
    CASE
        WHEN c.entity IN ('Bill', 'VendorCredit', 'BillPayment')
            THEN txt(c.rec, '$.VendorRef.value')
        WHEN c.entity = 'Purchase' AND txt(c.rec, '$.EntityRef.type') = 'Vendor'
            THEN txt(c.rec, '$.EntityRef.value')
    END AS vendor_qbo_id
FROM current_record AS c, company AS co
WHERE c.entity IN (
    'JournalEntry', 'Invoice', 'Bill', 'Payment', 'BillPayment', 'SalesReceipt', 'Purchase',
    'Deposit', 'Transfer', 'CreditMemo', 'VendorCredit', 'RefundReceipt'
);

CREATE OR REPLACE TABLE txn_line AS
WITH top AS (
    SELECT t.txn_type, t.qbo_id, l.pos * 1000 AS line_pos,
        'Line[' || (l.pos - 1) || ']' AS path, l.line
    FROM txn AS t,
        unnest(CAST(coalesce(json_extract(t.rec, '$.Line'), '[]') AS JSON[]))
            WITH ORDINALITY AS l(line, pos)
    WHERE NOT t.is_deleted
),
bundled AS (
    SELECT top.txn_type, top.qbo_id, top.line_pos + g.pos AS line_pos,
        top.path || '.GroupLineDetail.Line[' || (g.pos - 1) || ']' AS path, g.line
    FROM top,
        unnest(CAST(json_extract(top.line, '$.GroupLineDetail.Line') AS JSON[]))
            WITH ORDINALITY AS g(line, pos)
    WHERE txt(top.line, '$.DetailType') = 'GroupLineDetail'
),
lines AS (
    SELECT * FROM top WHERE coalesce(txt(line, '$.DetailType'), '') <> 'GroupLineDetail'
    UNION ALL SELECT * FROM bundled
)
SELECT txn_type, qbo_id, line_pos, path, line,
    txt(line, '$.DetailType') AS detail_type,
    money(line, '$.Amount') AS amount,
    txt(line, '$.Id') AS source_line_id,
    txt(line, '$.Description') AS description,
    txt(line, '$."' || txt(line, '$.DetailType') || '".ClassRef.value') AS class_qbo_id,
    txt(line, '$.JournalEntryLineDetail.DepartmentRef.value') AS department_qbo_id,
    txt(line, '$."' || txt(line, '$.DetailType') || '".ItemRef.value') AS item_qbo_id,
    money(line, '$."' || txt(line, '$.DetailType') || '".Qty') AS quantity,
    money(line, '$."' || txt(line, '$.DetailType') || '".UnitPrice') AS unit_price
FROM lines;
