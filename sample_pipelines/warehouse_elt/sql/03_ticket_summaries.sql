-- lineage: dialect=snowflake namespace=snowflake://acme-prod
-- The nightly summary step done inside Snowflake with Cortex: each new ticket's description, with
-- the customer's spend, goes to mistral-large. The prompt carries PII (the description holds
-- names and e-mail addresses), which is why the map shows Cortex as a third-party processor.

CREATE TEMPORARY TABLE NEW_TICKETS AS
SELECT f.TICKET_ID, f.DESCRIPTION, f.LIFETIME_SPEND_USD
FROM ANALYTICS.MARTS.FCT_SUPPORT_TICKETS f
WHERE f.TICKET_ID NOT IN (SELECT s.TICKET_ID FROM ANALYTICS.MARTS.TICKET_SUMMARIES s);

INSERT INTO ANALYTICS.MARTS.TICKET_SUMMARIES (TICKET_ID, SUMMARY, MODEL)
SELECT
    n.TICKET_ID,
    SNOWFLAKE.CORTEX.COMPLETE(
        'mistral-large',
        'Summarise this support ticket in one paragraph. Customer lifetime spend: '
            || n.LIFETIME_SPEND_USD || ' USD. Ticket: ' || n.DESCRIPTION
    ) AS SUMMARY,
    'mistral-large' AS MODEL
FROM NEW_TICKETS n;

DROP TABLE NEW_TICKETS;
