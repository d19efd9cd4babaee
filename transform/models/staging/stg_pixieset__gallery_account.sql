-- gallery_account: one row per Gallery account and snapshot day.
with source as (
    {{ pixieset_source('gallery_account', {
        'gallery_account_id': 'text',
        'snapshot_date': 'date',
        'user': 'json',
        'account': 'json'
    }) }}
)

select
    account_id,
    gallery_account_id,
    snapshot_date,
    {{ json_text(adapter.quote('user'), 'email') }} as email,
    {{ json_text(adapter.quote('user'), 'timezone') }} as timezone,
    {{ json_text('account', 'plan') }} as plan,
    cast({{ json_text('account', 'storage_used_bytes') }} as bigint) as storage_used_bytes,
    undeclared_fields
from source
