-- session_inquiry_count: one row per snapshot day.
with source as (
    {{ pixieset_source('session_inquiry_count', {
        'snapshot_date': 'date',
        'count': 'bigint'
    }) }}
)

select
    account_id,
    snapshot_date,
    count as open_inquiries,
    undeclared_fields
from source
