-- invoice_line_items: one row per invoice line.
with source as (
    {{ pixieset_source('invoice_line_items', {
        'invoice_id': 'text',
        'id': 'text',
        'name': 'text',
        'description': 'text',
        'quantity': 'bigint',
        'amount': 'bigint',
        'taxable': 'boolean',
        'tax_rate': 'double',
        'tax_amount': 'bigint',
        'currency': 'text'
    }) }}
)

select
    account_id,
    invoice_id,
    id as line_item_id,
    name,
    description,
    quantity,
    {{ currency_code('currency') }} as currency,
    {{ to_major('amount', 'currency') }} as unit_amount,
    taxable as is_taxable,
    tax_rate,
    {{ to_major('coalesce(tax_amount, 0)', 'currency') }} as tax_amount,
    {{ to_major('amount * quantity + coalesce(tax_amount, 0)', 'currency') }} as line_total,
    undeclared_fields
from source
