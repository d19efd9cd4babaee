-- questionnaires: one row per questionnaire.
with source as (
    {{ pixieset_source('questionnaires', {
        'id': 'text',
        'client_id': 'text',
        'status': 'text',
        'template': 'json',
        'created_at': 'timestamp',
        'updated_at': 'timestamp',
        'due_date': 'timestamp'
    }) }}
)

select
    account_id,
    id as questionnaire_id,
    client_id,
    status,
    {{ json_text('template', 'id') }} as questionnaire_template_id,
    created_at,
    updated_at,
    due_date as due_at,
    undeclared_fields
from source
