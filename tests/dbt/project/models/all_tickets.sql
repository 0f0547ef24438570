select id as ticket_id, user_id, body, status from {{ source('app', 'tickets') }}
union all
select id as ticket_id, user_id, body, status from {{ ref('synthetic_tickets') }}
