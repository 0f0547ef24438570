select t.ticket_id, u.email, t.body
from {{ ref('all_tickets') }} as t
join {{ ref('stg_users') }} as u on u.user_id = t.user_id
where t.status = 'open'
