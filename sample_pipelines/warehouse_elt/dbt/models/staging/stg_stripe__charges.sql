select
    id as charge_id,
    billing_email,
    cast(amount / 100.0 as numeric(12, 2)) as amount_usd
from {{ source('stripe', 'charges') }}
