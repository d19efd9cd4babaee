{#-
  The raw rows of one stream, from every schema in var('pixieset_schemas'), as one relation.

  Each schema holds one or more accounts (a loader writes one schema per target config).
  Columns are asked for by name with a portable type keyword (see pixieset_type); a column
  a schema does not have yet comes back as a typed NULL, so optional fields, late-added
  columns (undeclared_fields, _sdc_deleted_at, account_id) and older loads all union.
  Rows a loader soft-deleted (_sdc_deleted_at set) are left out. account_id is the row's
  own when the table has the column, else var('pixieset_account_ids')[schema], else the
  schema's name, so accounts loaded into separate schemas stay apart.
-#}
{% macro pixieset_source(stream, columns) %}
  {%- set lineage = source('pixieset', stream) -%}
  {%- set selects = [] -%}
  {%- if execute -%}
    {%- for schema in pixieset_schemas() -%}
      {%- set relation = adapter.get_relation(database=target.database, schema=schema, identifier=stream) -%}
      {%- if relation is not none -%}
        {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- set account_literal = "'" ~ (var('pixieset_account_ids', {}).get(schema, schema) | replace("'", "''")) ~ "'" -%}
        {%- set sql -%}
    select
      {% if 'account_id' in present -%}
      coalesce(cast(account_id as {{ pixieset_type('text') }}), {{ account_literal }})
      {%- else -%}
      cast({{ account_literal }} as {{ pixieset_type('text') }})
      {%- endif %} as account_id,
      {%- for name, kind in columns.items() %}
      {% if name | lower in present -%}
      cast({{ adapter.quote(name) }} as {{ pixieset_type(kind) }})
      {%- else -%}
      cast(null as {{ pixieset_type(kind) }})
      {%- endif %} as {{ adapter.quote(name) }},
      {%- endfor %}
      {% if 'undeclared_fields' in present -%}
      cast(undeclared_fields as {{ pixieset_type('json') }})
      {%- else -%}
      cast(null as {{ pixieset_type('json') }})
      {%- endif %} as undeclared_fields
    from {{ relation }}
    {% if '_sdc_deleted_at' in present -%}
    where _sdc_deleted_at is null
    {%- endif %}
        {%- endset -%}
        {%- do selects.append(sql) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if selects -%}
    {{ selects | join('\n    union all\n') }}
  {%- else -%}
    {#- No schema has the table (yet), or this is parsing: an empty relation of the right shape. -#}
    select
      cast(null as {{ pixieset_type('text') }}) as account_id,
      {%- for name, kind in columns.items() %}
      cast(null as {{ pixieset_type(kind) }}) as {{ adapter.quote(name) }},
      {%- endfor %}
      cast(null as {{ pixieset_type('json') }}) as undeclared_fields
    where 1 = 0
  {%- endif -%}
{% endmacro %}


{#- The raw schemas: var('pixieset_schemas') as a list, or a comma-separated string. -#}
{% macro pixieset_schemas() %}
  {%- set raw = var('pixieset_schemas') -%}
  {%- set names = raw.split(',') if raw is string else raw -%}
  {{- return(names | map('trim') | reject('equalto', '') | list) -}}
{% endmacro %}


{#- A portable type keyword -> the adapter's type. -#}
{% macro pixieset_type(kind) %}
  {{- return(adapter.dispatch('pixieset_type')(kind)) -}}
{% endmacro %}

{% macro default__pixieset_type(kind) %}
  {{- return({
    'text': 'varchar', 'bigint': 'bigint', 'double': 'double precision',
    'boolean': 'boolean', 'timestamp': 'timestamp', 'date': 'date', 'json': 'jsonb',
  }[kind]) -}}
{% endmacro %}

{% macro duckdb__pixieset_type(kind) %}
  {{- return({
    'text': 'varchar', 'bigint': 'bigint', 'double': 'double',
    'boolean': 'boolean', 'timestamp': 'timestamp', 'date': 'date', 'json': 'json',
  }[kind]) -}}
{% endmacro %}
