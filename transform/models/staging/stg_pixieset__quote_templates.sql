-- quote_templates: one row per quote template.
with source as (
    {{ pixieset_source('quote_templates', {
        'id': 'text',
        'name': 'text',
        'description': 'text',
        'status': 'text',
        'category': 'text',
        'is_default': 'boolean',
        'validity_days': 'bigint',
        'auto_convert_to_invoice': 'boolean',
        'requires_approval': 'boolean',
        'package_items_count': 'bigint',
        'created_at': 'timestamp',
        'updated_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as quote_template_id,
    name as quote_template_name,
    description,
    status,
    created_at,
    updated_at,
    category,
    is_default,
    validity_days,
    auto_convert_to_invoice,
    requires_approval,
    package_items_count,
    undeclared_fields
from source
