select id as user_id, email, full_name from {{ source('app', 'users') }}
