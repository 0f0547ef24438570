-- lineage: dialect=snowflake namespace=snowflake://acme-prod
-- Staging views over the Fivetran RAW tables (the SQL the dbt staging models compile to).

CREATE OR REPLACE VIEW ANALYTICS.STAGING.STG_ZENDESK__TICKETS AS
SELECT
    t.ID AS TICKET_ID,
    lower(t.REQUESTER_EMAIL) AS REQUESTER_EMAIL,
    t.SUBJECT,
    t.DESCRIPTION,
    t.CREATED_AT
FROM RAW.ZENDESK.TICKETS t
WHERE t.CREATED_AT >= dateadd(year, -2, current_date);

CREATE OR REPLACE VIEW ANALYTICS.STAGING.STG_STRIPE__CHARGES AS
SELECT
    c.ID AS CHARGE_ID,
    lower(c.BILLING_EMAIL) AS BILLING_EMAIL,
    c.AMOUNT / 100.0 AS AMOUNT_USD
FROM RAW.STRIPE.CHARGES c;
