-- The other side of each document: receivable, payable, bank; plus tax and cash back.
-- NOTE: selling an inventory item also moves its cost from Inventory Asset to Cost of Goods
-- Sold in QuickBooks; that cost (FIFO) is not in the API's documents, so it is not posted.

CREATE OR REPLACE TABLE header_posting AS
WITH t AS (
    SELECT t.*, s.line_side, d.receivable, d.payable, d.undeposited, d.sales_tax
    FROM txn AS t
    LEFT JOIN txn_side AS s USING (txn_type, qbo_id)
    CROSS JOIN default_account AS d
    WHERE NOT t.is_deleted
),
documents AS (
    SELECT txn_type, qbo_id, 0 AS sort_key, 'header' AS role, other_side(line_side) AS side,
        total_amount AS amount,
        CASE txn_type
            WHEN 'Invoice' THEN coalesce(txt(rec, '$.ARAccountRef.value'), receivable)
            WHEN 'CreditMemo' THEN coalesce(txt(rec, '$.ARAccountRef.value'), receivable)
            WHEN 'SalesReceipt' THEN coalesce(txt(rec, '$.DepositToAccountRef.value'), undeposited)
            WHEN 'RefundReceipt' THEN coalesce(txt(rec, '$.DepositToAccountRef.value'), undeposited)
            WHEN 'Bill' THEN coalesce(txt(rec, '$.APAccountRef.value'), payable)
            WHEN 'VendorCredit' THEN coalesce(txt(rec, '$.APAccountRef.value'), payable)
            WHEN 'Purchase' THEN txt(rec, '$.AccountRef.value')
            WHEN 'Deposit' THEN txt(rec, '$.DepositToAccountRef.value')
        END AS account_qbo_id
    FROM t WHERE line_side IS NOT NULL
),
tax AS (
    SELECT txn_type, qbo_id, 999999000 AS sort_key, 'tax' AS role, line_side AS side,
        total_tax AS amount, sales_tax AS account_qbo_id
    FROM t WHERE line_side IS NOT NULL AND txn_type <> 'Deposit' AND total_tax <> 0
),
cash_back AS (
    SELECT txn_type, qbo_id, 999999001 AS sort_key, 'cashback' AS role, 'debit' AS side,
        money(rec, '$.CashBack.Amount') AS amount, txt(rec, '$.CashBack.AccountRef.value')
    FROM t WHERE txn_type = 'Deposit' AND json_extract(rec, '$.CashBack') IS NOT NULL
),
settlements AS (
    SELECT txn_type, qbo_id, 0 AS sort_key, 'header' AS role, 'debit' AS side,
        total_amount AS amount,
        CASE txn_type
            WHEN 'Payment' THEN coalesce(txt(rec, '$.DepositToAccountRef.value'), undeposited)
            WHEN 'BillPayment' THEN coalesce(txt(rec, '$.APAccountRef.value'), payable)
            WHEN 'Transfer' THEN txt(rec, '$.ToAccountRef.value')
        END
    FROM t WHERE txn_type IN ('Payment', 'BillPayment', 'Transfer')
    UNION ALL
    SELECT txn_type, qbo_id, 1, 'header', 'credit', total_amount,
        CASE txn_type
            WHEN 'Payment' THEN coalesce(txt(rec, '$.ARAccountRef.value'), receivable)
            WHEN 'BillPayment' THEN coalesce(txt(rec, '$.CheckPayment.BankAccountRef.value'),
                                             txt(rec, '$.CreditCardPayment.CCAccountRef.value'))
            WHEN 'Transfer' THEN txt(rec, '$.FromAccountRef.value')
        END
    FROM t WHERE txn_type IN ('Payment', 'BillPayment', 'Transfer')
),
all_headers AS (
    SELECT * FROM documents
    UNION ALL SELECT * FROM tax
    UNION ALL SELECT * FROM cash_back
    UNION ALL SELECT * FROM settlements
)
SELECT h.txn_type, h.qbo_id, h.sort_key, h.role, NULL::VARCHAR AS source_line_id,
    NULL::VARCHAR AS detail_type, NULL::VARCHAR AS description, h.side, h.amount,
    h.account_qbo_id, NULL::VARCHAR AS item_qbo_id, NULL::DECIMAL(38, 12) AS quantity,
    NULL::DECIMAL(38, 12) AS unit_price, NULL::VARCHAR AS class_qbo_id,
    NULL::VARCHAR AS department_qbo_id
FROM all_headers AS h;

-- All postings; a negative amount swaps sides; zero amounts do not post. Postings whose
-- account cannot be found are rejected (named in the reconciliation), the rest numbered.
CREATE OR REPLACE TABLE posting_checked AS
WITH all_postings AS (
    SELECT * FROM line_posting UNION ALL SELECT * FROM header_posting
),
normalised AS (
    SELECT * REPLACE (
        CASE WHEN amount < 0 THEN other_side(side) ELSE side END AS side,
        abs(amount) AS amount)
    FROM all_postings
    WHERE amount IS NOT NULL AND amount <> 0
)
SELECT n.*, t.changed,
    CASE
        WHEN n.side IS NULL OR n.account_qbo_id IS NULL OR a.qbo_id IS NULL
            THEN 'rejected: ' || n.txn_type || ' ' || n.qbo_id || ': '
                || coalesce(l.path || ' ', n.role || ' posting ') || CASE
                    WHEN n.side IS NULL AND n.detail_type = 'JournalEntryLineDetail' THEN
                        coalesce('PostingType '
                            || to_json(txt(l.line, '$.JournalEntryLineDetail.PostingType'))
                            || ' is not Debit or Credit', 'has no PostingType')
                    WHEN n.side IS NULL THEN 'has no debit/credit side'
                    WHEN n.account_qbo_id IS NULL THEN 'has no account'
                    ELSE 'posts to unknown account ' || n.account_qbo_id
                END
        ELSE 'out'
    END AS outcome
FROM normalised AS n
JOIN txn AS t USING (txn_type, qbo_id)
LEFT JOIN account AS a ON a.qbo_id = n.account_qbo_id
LEFT JOIN txn_line AS l
    ON n.role = 'line' AND l.txn_type = n.txn_type AND l.qbo_id = n.qbo_id
    AND l.line_pos = n.sort_key;

-- One row per QuickBooks line of the run's changed transactions: posted, informational,
-- or rejected with a reason (a line whose posting was rejected, e.g. to an unknown account,
-- is rejected with that posting's reason).
CREATE OR REPLACE TABLE line_outcome AS
SELECT l.txn_type, l.qbo_id, l.line_pos, l.detail_type,
    CASE
        WHEN k.rule_detail IS NOT NULL AND l.amount IS NULL THEN 'rejected: line without Amount'
        WHEN p.outcome LIKE 'rejected: %' THEN p.outcome
        WHEN k.rule_detail IS NOT NULL THEN 'posting'
        WHEN l.detail_type IN ('SubTotalLineDetail', 'DescriptionOnly') THEN 'informational'
        WHEN l.txn_type IN ('Payment', 'BillPayment') THEN 'informational'
        ELSE 'rejected: unsupported ' || coalesce(l.detail_type, 'line without DetailType')
            || ' on ' || l.txn_type
    END AS outcome
FROM classified_line AS l
JOIN txn AS t USING (txn_type, qbo_id)
LEFT JOIN posting_line_kind AS k USING (txn_type, rule_detail)
LEFT JOIN posting_checked AS p
    ON p.role = 'line' AND p.txn_type = l.txn_type AND p.qbo_id = l.qbo_id
    AND p.sort_key = l.line_pos
WHERE t.changed;

-- Transactions whose postings are incomplete: a line or a header posting was rejected.
-- `balanced` lists them even when what is left balances (a journal entry whose two lines
-- were both rejected is not balanced at 0 = 0).
CREATE OR REPLACE TABLE incomplete_txn AS
SELECT txn_type, qbo_id, count(*) AS rejected_lines
FROM (
    SELECT txn_type, qbo_id FROM line_outcome WHERE outcome LIKE 'rejected: %'
    UNION ALL
    SELECT txn_type, qbo_id FROM posting_checked WHERE outcome <> 'out' AND role <> 'line'
)
GROUP BY ALL;

CREATE OR REPLACE TABLE posting AS
SELECT p.*,
    row_number() OVER (PARTITION BY p.txn_type, p.qbo_id ORDER BY p.sort_key, p.role)
        AS line_number,
    t.id AS transaction_id, t.currency, t.exchange_rate, t.home_currency, t.txn_date,
    coalesce(p.department_qbo_id, t.department_qbo_id) AS department_ref,
    coalesce(p.class_qbo_id, t.class_qbo_id) AS class_ref,
    to_home(p.amount, t.exchange_rate) AS amount_home
FROM posting_checked AS p
JOIN txn AS t USING (txn_type, qbo_id)
WHERE p.outcome = 'out';

