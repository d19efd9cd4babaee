-- contracts: one row per contract.
with source as (
    {{ pixieset_source('contracts', {
        'id': 'text',
        'client_id': 'text',
        'contract_number': 'text',
        'status': 'text',
        'template': 'json',
        'created_at': 'timestamp',
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
    due_date as due_at,
    signed_date as signed_at,
    undeclared_fields
from source
