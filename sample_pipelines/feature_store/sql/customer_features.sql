-- lineage: dialect=snowflake namespace=snowflake://acme-prod
-- The Airflow task build_customer_features: 90-day order counts, lifetime value and 30-day
-- sessions per customer, unloaded to the Feast offline store on S3 (Parquet).

CREATE TEMPORARY TABLE CUSTOMER_FEATURES AS
WITH orders_90d AS (
    SELECT o.CUSTOMER_ID, count(*) AS ORDERS_90D, sum(o.AMOUNT_USD) AS LIFETIME_VALUE_USD
    FROM PROD.CORE.ORDERS o
    WHERE o.ORDERED_AT >= dateadd(day, -90, current_date)
    GROUP BY o.CUSTOMER_ID
), sessions AS (
    SELECT e.CUSTOMER_ID, count(*) AS SESSIONS_30D
    FROM PROD.CORE.APP_EVENTS e
    WHERE e.EVENT_TYPE = 'session_start' AND e.EVENT_AT >= dateadd(day, -30, current_date)
    GROUP BY e.CUSTOMER_ID
)
SELECT
    c.CUSTOMER_ID,
    sha2(c.EMAIL, 256) AS EMAIL_SHA256,
    c.COUNTRY,
    coalesce(o.ORDERS_90D, 0) AS ORDERS_90D,
    coalesce(o.LIFETIME_VALUE_USD, 0) AS LIFETIME_VALUE_USD,
    coalesce(s.SESSIONS_30D, 0) AS SESSIONS_30D
FROM PROD.CORE.CUSTOMERS c
LEFT JOIN orders_90d o ON o.CUSTOMER_ID = c.CUSTOMER_ID
LEFT JOIN sessions s ON s.CUSTOMER_ID = c.CUSTOMER_ID;

COPY INTO 's3://acme-feast-offline/churn/customer_features/'
FROM (SELECT * FROM CUSTOMER_FEATURES)
FILE_FORMAT = (TYPE = PARQUET)
HEADER = TRUE;
