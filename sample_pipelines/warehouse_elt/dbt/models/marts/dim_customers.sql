with emails as (
    select requester_email as email, 0 as amount_usd from {{ ref('stg_zendesk__tickets') }}
    union all
    select billing_email as email, amount_usd from {{ ref('stg_stripe__charges') }}
)
select
    md5(lower(email)) as customer_key,
    md5(lower(email)) as email_hash,
    sum(amount_usd) as lifetime_spend_usd
from emails
group by 1, 2
