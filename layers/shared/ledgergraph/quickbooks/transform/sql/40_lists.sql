-- Customers, vendors, employees, items and the tracking dimensions (Class, Department).

CREATE OR REPLACE TABLE party AS
SELECT entity, qbo_id, rec, is_deleted, changed, sync_token, last_updated,
    qbo_node_id(entity, qbo_id) AS id,
    txt(rec, '$.DisplayName') AS display_name,
    txt(rec, '$.CompanyName') AS company_name,
    flag(rec, '$.Active') AS is_active,
    txt(rec, '$.CurrencyRef.value') AS currency,
    money(rec, '$.Balance') AS balance
FROM current_record
WHERE entity IN ('Customer', 'Vendor');

CREATE OR REPLACE TABLE employee AS
SELECT qbo_id, rec, is_deleted, changed, sync_token, last_updated,
    qbo_node_id('Employee', qbo_id) AS id,
    txt(rec, '$.DisplayName') AS display_name,
    txt(rec, '$.EmployeeNumber') AS employee_number,
    flag(rec, '$.Active') AS is_active,
    calendar_day(rec, '$.HiredDate') AS hired_date,
    calendar_day(rec, '$.ReleasedDate') AS released_date,
    money(rec, '$.BillRate') AS bill_rate
FROM current_record
WHERE entity = 'Employee';

CREATE OR REPLACE TABLE item AS
SELECT qbo_id, rec, is_deleted, changed, sync_token, last_updated,
    qbo_node_id('Item', qbo_id) AS id,
    txt(rec, '$.Name') AS name,
    txt(rec, '$.FullyQualifiedName') AS fully_qualified_name,
    txt(rec, '$.Type') AS item_type,
    txt(rec, '$.Sku') AS sku,
    money(rec, '$.UnitPrice') AS unit_price,
    money(rec, '$.PurchaseCost') AS purchase_cost,
    money(rec, '$.QtyOnHand') AS quantity_on_hand,
    flag(rec, '$.Active') AS is_active,
    txt(rec, '$.IncomeAccountRef.value') AS income_account,
    txt(rec, '$.ExpenseAccountRef.value') AS expense_account,
    txt(rec, '$.AssetAccountRef.value') AS asset_account
FROM current_record
WHERE entity = 'Item';

CREATE OR REPLACE TABLE dimension AS
SELECT entity AS kind, qbo_id, rec, is_deleted, changed, sync_token, last_updated,
    qbo_node_id(entity, qbo_id) AS id,
    txt(rec, '$.Name') AS name,
    txt(rec, '$.FullyQualifiedName') AS fully_qualified_name,
    flag(rec, '$.Active') AS is_active,
    txt(rec, '$.ParentRef.value') AS parent_qbo_id
FROM current_record
WHERE entity IN ('Class', 'Department');
