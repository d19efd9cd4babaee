-- contract_details: one row per contract (detail view).
with source as (
    {{ pixieset_source('contract_details', {
        'id': 'text',
        'client_id': 'text',
        'contract_number': 'text',
        'status': 'text',
        'template': 'json',
        'created_at': 'timestamp',
        'sent_at': 'timestamp',
        'due_date': 'timestamp',
        'signed_date': 'timestamp'
    }) }}
)

select
    account_id,
    id as contract_id,
    client_id,
    contract_number,
    status,
    {{ json_text('template', 'id') }} as contract_template_id,
    created_at,
    sent_at,
    due_date as due_at,
    signed_date as signed_at,
    undeclared_fields
from source
