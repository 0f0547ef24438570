select
    t.ticket_id,
    c.customer_key,
    t.subject,
    t.description,
    c.lifetime_spend_usd
from {{ ref('stg_zendesk__tickets') }} as t
left join {{ ref('dim_customers') }} as c
    on c.email_hash = md5(lower(t.requester_email))
