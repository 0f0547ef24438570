{% snapshot users_snapshot %}
{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols=['email']) }}
select * from {{ source('app', 'users') }}
{% endsnapshot %}
