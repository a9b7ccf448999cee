-- depends_on: {{ ref('raw_file_audit') }}
{# Every raw customer row, typed, with the reason it cannot be staged (null when it can). #}

{%- set integer_columns = [
    ('Account length', 'account_length_days'),
    ('Number vmail messages', 'vmail_messages'),
    ('Total day calls', 'day_calls'),
    ('Total eve calls', 'eve_calls'),
    ('Total night calls', 'night_calls'),
    ('Total intl calls', 'intl_calls'),
    ('Customer service calls', 'customer_service_calls'),
] %}
{%- set decimal_columns = [
    ('Total day minutes', 'day_minutes'),
    ('Total day charge', 'day_charge'),
    ('Total eve minutes', 'eve_minutes'),
    ('Total eve charge', 'eve_charge'),
    ('Total night minutes', 'night_minutes'),
    ('Total night charge', 'night_charge'),
    ('Total intl minutes', 'intl_minutes'),
    ('Total intl charge', 'intl_charge'),
] %}

{%- set usage_columns = [] %}
{%- for raw, name in integer_columns + decimal_columns %}
{%- do usage_columns.append(name) %}
{%- endfor %}
{%- set identity_columns = [
    'State', 'Account length', 'Area code', 'International plan', 'Voice mail plan',
    'Number vmail messages', 'Total day minutes', 'Total day calls', 'Total day charge',
    'Total eve minutes', 'Total eve calls', 'Total eve charge', 'Total night minutes',
    'Total night calls', 'Total night charge', 'Total intl minutes', 'Total intl calls',
    'Total intl charge', 'Customer service calls',
] %}

with numbered as (

    {{ numbered_raw_rows('telco_churn', 'customers') }}

),

-- The file has no customer id: the key is a digest of every column but Churn, so it survives
-- re-ordering the file and a label arriving; exact twins get -2, -3, ... in the order of
-- their Churn value, then file order (revenue_ml.raw_features.churn is the twin).
identified as (

    select
        *,
        {{ identity_digest('cust_', identity_columns) }} as identity_digest
    from numbered

),

keyed as (

    select
        *,
        row_number() over (
            partition by identity_digest
            order by coalesce(trim({{ adapter.quote('Churn') }}), ''), source_row_number
        ) as twin_number
    from identified

),

parsed as (

    select
        -- ids
        source_row_number,
        identity_digest
        || case when twin_number > 1 then '-' || twin_number else '' end as customer_key,

        -- strings
        upper({{ clean_text(adapter.quote('State')) }}) as state,
        {{ clean_text(adapter.quote('Area code')) }} as area_code,

        -- booleans
        case {{ clean_text(adapter.quote('International plan')) }}
            when 'Yes' then true when 'No' then false
        end
            as has_international_plan,
        case {{ clean_text(adapter.quote('Voice mail plan')) }}
            when 'Yes' then true when 'No' then false
        end
            as has_voice_mail_plan,
        case {{ clean_text(adapter.quote('Churn')) }}
            when 'True' then true when 'False' then false
            when '1' then true when '0' then false
        end as churned,

        -- numerics
        {%- for raw, name in integer_columns %}
        {{ parse_as(adapter.quote(raw), 'integer') }} as {{ name }},
        {%- endfor %}
        {%- for raw, name in decimal_columns %}
        {{ parse_as(adapter.quote(raw), 'decimal(10, 2)') }} as {{ name }},
        {%- endfor %}

        -- checks
        (
            {%- for raw, name in integer_columns %}
            {{ parse_as(adapter.quote(raw), 'integer') }} is null or
            {%- endfor %}
            {%- for raw, name in decimal_columns %}
            {{ parse_as(adapter.quote(raw), 'decimal(10, 2)') }} is null{{ " or" if not loop.last }}
            {%- endfor %}
        ) as has_missing_or_unparseable_number,
        coalesce({{ clean_text(adapter.quote('International plan')) }} not in ('Yes', 'No'), true)
        or coalesce({{ clean_text(adapter.quote('Voice mail plan')) }} not in ('Yes', 'No'), true)
            as has_invalid_plan_flag,
        (
            {{ clean_text(adapter.quote('Churn')) }} is not null
            and {{ clean_text(adapter.quote('Churn')) }} not in ('True', 'False', '1', '0')
        ) as churn_unparseable,
        raw_record
    from keyed

),

final as (

    select
        *,
        {{ reject_reason([
            ("state is null", "missing_state"),
            ("has_missing_or_unparseable_number", "missing_or_unparseable_number"),
            ("least(" ~ usage_columns | join(', ') ~ ") < 0", "negative_value"),
            ("greatest(day_minutes, eve_minutes, night_minutes, intl_minutes) > "
                ~ var('telco_churn_max_minutes'), "implausible_minutes"),
            ("has_invalid_plan_flag", "invalid_plan_flag"),
            ("churn_unparseable", "unparseable_churn"),
        ]) }} as reject_reason
    from parsed

)

select * from final
