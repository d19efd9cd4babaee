{#-
  Value conventions shared by the staging models.
-#}

{#- Currencies whose minor unit is the major unit (ISO 4217 exponent 0). -#}
{% macro zero_decimal_currencies() %}
  {{- return(['bif', 'clp', 'djf', 'gnf', 'isk', 'jpy', 'kmf', 'krw', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']) -}}
{% endmacro %}

{#- An amount in minor units (an integer) as a decimal amount of its currency. -#}
{% macro to_major(amount, currency) %}
  cast(
    cast({{ amount }} as decimal(20, 2))
    / case when lower({{ currency }}) in ('{{ zero_decimal_currencies() | join("', '") }}') then 1 else 100 end
    as decimal(18, 2)
  )
{%- endmacro %}

{#- A currency code, lower-case (the API mixes 'gbp' and 'GBP'). -#}
{% macro currency_code(expr) %}lower(cast({{ expr }} as varchar)){% endmacro %}

{#- A string member of a JSON object column. -#}
{% macro json_text(expr, key) %}({{ expr }} ->> '{{ key }}'){% endmacro %}

{#- A member of a JSON object column, as JSON. -#}
{% macro json_get(expr, key) %}({{ expr }} -> '{{ key }}'){% endmacro %}

{#- A JSON array of strings as one comma-separated string (NULL when not an array). -#}
{% macro json_array_text(expr) %}
  {{- adapter.dispatch('json_array_text')(expr) -}}
{% endmacro %}

{% macro default__json_array_text(expr) -%}
  case when jsonb_typeof({{ expr }}) = 'array' then
    (select string_agg(element, ', ') from jsonb_array_elements_text({{ expr }}) as element)
  end
{%- endmacro %}

{% macro duckdb__json_array_text(expr) -%}
  case when json_type({{ expr }}) = 'ARRAY' then
    nullif(array_to_string(json_extract_string({{ expr }}, '$[*]'), ', '), '')
  end
{%- endmacro %}

{#- Whole days from one date to another. -#}
{% macro days_between(start_date, end_date) %}
  {{- adapter.dispatch('days_between')(start_date, end_date) -}}
{% endmacro %}

{% macro default__days_between(start_date, end_date) -%}
  (cast({{ end_date }} as date) - cast({{ start_date }} as date))
{%- endmacro %}

{% macro duckdb__days_between(start_date, end_date) -%}
  date_diff('day', cast({{ start_date }} as date), cast({{ end_date }} as date))
{%- endmacro %}

{#- The date the reports are as of: var('as_of_date'), else today (UTC). -#}
{% macro as_of_date() -%}
  {%- if var('as_of_date', none) -%}
  cast('{{ var("as_of_date") }}' as date)
  {%- else -%}
  cast({{ dbt.current_timestamp() }} as date)
  {%- endif -%}
{%- endmacro %}
