-- email_templates: one row per email template.
with source as (
    {{ pixieset_source('email_templates', {
        'id': 'text',
        'name': 'text',
        'subject': 'text',
        'description': 'text',
        'status': 'text',
        'category': 'text',
        'variables_count': 'bigint',
        'last_used': 'timestamp',
        'created_at': 'timestamp',
        'updated_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as email_template_id,
    name as email_template_name,
    description,
    status,
    created_at,
    updated_at,
    subject,
    category,
    variables_count,
    last_used as last_used_at,
    undeclared_fields
from source
