-- invoice_templates: one row per invoice template.
with source as (
    {{ pixieset_source('invoice_templates', {
        'id': 'text',
        'name': 'text',
        'description': 'text',
        'status': 'text',
        'currency': 'text',
        'is_default': 'boolean',
        'payment_terms_days': 'bigint',
        'late_fee_enabled': 'boolean',
        'late_fee_percentage': 'double',
        'created_at': 'timestamp',
        'updated_at': 'timestamp'
    }) }}
)

select
    account_id,
    id as invoice_template_id,
    name as invoice_template_name,
    description,
    status,
    created_at,
    updated_at,
    {{ currency_code('currency') }} as currency,
    is_default,
    payment_terms_days,
    late_fee_enabled,
    late_fee_percentage,
    undeclared_fields
from source
