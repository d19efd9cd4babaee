-- contract_templates: one row per contract template.
with source as (
    {{ pixieset_source('contract_templates', {
        'id': 'text',
        'name': 'text',
        'description': 'text',
        'status': 'text',
        'due_days': 'bigint',
        'created_at': 'timestamp',
        'updated_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as contract_template_id,
    name as contract_template_name,
    description,
    status,
    created_at,
    updated_at,
    due_days,
    undeclared_fields
from source
