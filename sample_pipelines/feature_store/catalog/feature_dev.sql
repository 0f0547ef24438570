-- lineage: dialect=duckdb namespace=duckdb://feature_dev.duckdb
-- The churn team's local feature-development database (DuckDB): a sample of the production
-- customers and orders pulled for notebook work, and the feature views the notebooks read.
-- scripts/make_feature_store_catalog.py builds feature_dev.duckdb from this file.
CREATE SCHEMA core;
CREATE SCHEMA features;
CREATE TABLE core.customers (customer_id BIGINT, email VARCHAR, full_name VARCHAR, phone VARCHAR,
                             country VARCHAR, signup_date DATE);
COMMENT ON TABLE core.customers IS 'Sample of PROD.CORE.CUSTOMERS, unmasked';
CREATE TABLE core.orders (order_id BIGINT, customer_id BIGINT, amount_usd DECIMAL(12, 2), ordered_at TIMESTAMP);
CREATE TABLE core.app_events (customer_id BIGINT, event_type VARCHAR, event_at TIMESTAMP);
CREATE VIEW features.orders_90d AS
    SELECT customer_id, count(*) AS orders_90d, sum(amount_usd) AS lifetime_value_usd
    FROM core.orders
    WHERE ordered_at >= current_date - INTERVAL 90 DAY
    GROUP BY customer_id;
CREATE VIEW features.sessions_30d AS
    SELECT customer_id, count(*) AS sessions_30d
    FROM core.app_events
    WHERE event_type = 'session_start' AND event_at >= current_date - INTERVAL 30 DAY
    GROUP BY customer_id;
CREATE VIEW features.customer_features AS
    SELECT c.customer_id, sha256(c.email) AS email_sha256, c.country,
           coalesce(o.orders_90d, 0) AS orders_90d, coalesce(o.lifetime_value_usd, 0) AS lifetime_value_usd,
           coalesce(s.sessions_30d, 0) AS sessions_30d
    FROM core.customers AS c
    LEFT JOIN features.orders_90d AS o ON o.customer_id = c.customer_id
    LEFT JOIN features.sessions_30d AS s ON s.customer_id = c.customer_id;
