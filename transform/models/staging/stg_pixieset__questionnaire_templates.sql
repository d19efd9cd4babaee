-- questionnaire_templates: one row per questionnaire template.
with source as (
    {{ pixieset_source('questionnaire_templates', {
        'id': 'text',
        'name': 'text',
        'description': 'text',
        'status': 'text',
        'category': 'text',
        'questions_count': 'bigint',
        'required_questions_count': 'bigint',
        'estimated_completion_time': 'bigint',
        'auto_send_with_contract': 'boolean',
        'created_at': 'timestamp',
        'updated_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as questionnaire_template_id,
    name as questionnaire_template_name,
    description,
    status,
    created_at,
    updated_at,
    category,
    questions_count,
    required_questions_count,
    estimated_completion_time as estimated_minutes,
    auto_send_with_contract,
    undeclared_fields
from source
