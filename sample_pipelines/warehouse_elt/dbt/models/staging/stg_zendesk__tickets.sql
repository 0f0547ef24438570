select
    id as ticket_id,
    requester_email,
    subject,
    description,
    created_at
from {{ source('zendesk', 'tickets') }}
