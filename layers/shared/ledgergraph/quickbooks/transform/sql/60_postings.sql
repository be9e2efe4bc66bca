-- Double entry: every transaction becomes postings (debits and credits) to accounts.
-- QuickBooks stores documents, not journal lines; the rules below give each document the
-- postings QuickBooks itself makes, except inventory cost of sales (see the NOTE below).

-- Which side the document's lines take; the header posting (A/R, A/P, bank) takes the other.
CREATE OR REPLACE TABLE txn_side AS
SELECT txn_type, qbo_id,
    CASE
        WHEN txn_type IN ('Invoice', 'SalesReceipt', 'Deposit') THEN 'credit'
        WHEN txn_type IN ('CreditMemo', 'RefundReceipt', 'VendorCredit') THEN 'debit'
        WHEN txn_type = 'Bill' THEN 'debit'
        WHEN txn_type = 'Purchase' AND coalesce(flag(rec, '$.Credit'), false) THEN 'credit'
        WHEN txn_type = 'Purchase' THEN 'debit'
    END AS line_side
FROM txn WHERE NOT is_deleted;

CREATE OR REPLACE MACRO other_side(side) AS
    CASE side WHEN 'debit' THEN 'credit' WHEN 'credit' THEN 'debit' END;

-- The line kinds that post, per transaction type. SubTotal and DescriptionOnly lines never
-- post; Payment and BillPayment lines only link to the documents they settle.
CREATE OR REPLACE TABLE posting_line_kind AS
SELECT * FROM (VALUES
    ('JournalEntry', 'JournalEntryLineDetail'),
    ('Invoice', 'SalesItemLineDetail'), ('Invoice', 'DiscountLineDetail'),
    ('SalesReceipt', 'SalesItemLineDetail'), ('SalesReceipt', 'DiscountLineDetail'),
    ('CreditMemo', 'SalesItemLineDetail'), ('CreditMemo', 'DiscountLineDetail'),
    ('RefundReceipt', 'SalesItemLineDetail'), ('RefundReceipt', 'DiscountLineDetail'),
    ('Bill', 'AccountBasedExpenseLineDetail'), ('Bill', 'ItemBasedExpenseLineDetail'),
    ('VendorCredit', 'AccountBasedExpenseLineDetail'),
    ('VendorCredit', 'ItemBasedExpenseLineDetail'),
    ('Purchase', 'AccountBasedExpenseLineDetail'), ('Purchase', 'ItemBasedExpenseLineDetail'),
    ('Deposit', 'DepositLineDetail')
) AS t(txn_type, rule_detail);

CREATE OR REPLACE TABLE classified_line AS
SELECT l.*,
    -- a deposit line without DetailType deposits a linked payment from Undeposited Funds
    CASE WHEN l.txn_type = 'Deposit' AND l.detail_type IS NULL THEN 'DepositLineDetail'
         ELSE l.detail_type END AS rule_detail
FROM txn_line AS l;

CREATE OR REPLACE TABLE line_posting AS
SELECT l.txn_type, l.qbo_id, l.line_pos AS sort_key, 'line' AS role, l.source_line_id,
    l.detail_type, l.description,
    CASE l.rule_detail
        -- QuickBooks sends "Debit" or "Credit"; anything else has no side and is rejected
        WHEN 'JournalEntryLineDetail'
            THEN CASE txt(l.line, '$.JournalEntryLineDetail.PostingType')
                WHEN 'Debit' THEN 'debit' WHEN 'Credit' THEN 'credit' END
        WHEN 'DiscountLineDetail' THEN other_side(s.line_side)
        ELSE s.line_side
    END AS side,
    l.amount,
    CASE l.rule_detail
        WHEN 'JournalEntryLineDetail'
            THEN txt(l.line, '$.JournalEntryLineDetail.AccountRef.value')
        WHEN 'SalesItemLineDetail'
            THEN coalesce(txt(l.line, '$.SalesItemLineDetail.ItemAccountRef.value'),
                          i.income_account)
        WHEN 'DiscountLineDetail'
            THEN txt(l.line, '$.DiscountLineDetail.DiscountAccountRef.value')
        WHEN 'AccountBasedExpenseLineDetail'
            THEN txt(l.line, '$.AccountBasedExpenseLineDetail.AccountRef.value')
        -- bought inventory goes to the inventory asset, anything else to its expense account
        WHEN 'ItemBasedExpenseLineDetail'
            THEN CASE WHEN i.item_type = 'Inventory'
                      THEN coalesce(i.asset_account, i.expense_account)
                      ELSE coalesce(i.expense_account, i.asset_account) END
        WHEN 'DepositLineDetail'
            THEN coalesce(txt(l.line, '$.DepositLineDetail.AccountRef.value'), d.undeposited)
    END AS account_qbo_id,
    l.item_qbo_id, l.quantity, l.unit_price, l.class_qbo_id, l.department_qbo_id
FROM classified_line AS l
JOIN posting_line_kind AS k USING (txn_type, rule_detail)
JOIN txn_side AS s USING (txn_type, qbo_id)
LEFT JOIN item AS i ON i.qbo_id = l.item_qbo_id
CROSS JOIN default_account AS d;
