-- depends_on: {{ ref('raw_file_audit') }}
{# Every raw campaign row, typed, with the reason it cannot be staged (null when it can). #}

{%- set integer_columns = [
    ('Year_Birth', 'birth_year_raw'),
    ('Kidhome', 'kids_at_home'),
    ('Teenhome', 'teens_at_home'),
    ('Recency', 'recency_days'),
    ('MntWines', 'spend_wines'),
    ('MntFruits', 'spend_fruits'),
    ('MntMeatProducts', 'spend_meat'),
    ('MntFishProducts', 'spend_fish'),
    ('MntSweetProducts', 'spend_sweets'),
    ('MntGoldProds', 'spend_gold'),
    ('NumDealsPurchases', 'purchases_deals'),
    ('NumWebPurchases', 'purchases_web'),
    ('NumCatalogPurchases', 'purchases_catalog'),
    ('NumStorePurchases', 'purchases_store'),
    ('NumWebVisitsMonth', 'web_visits_last_month'),
    ('AcceptedCmp1', 'accepted_campaign_1'),
    ('AcceptedCmp2', 'accepted_campaign_2'),
    ('AcceptedCmp3', 'accepted_campaign_3'),
    ('AcceptedCmp4', 'accepted_campaign_4'),
    ('AcceptedCmp5', 'accepted_campaign_5'),
    ('Complain', 'complained'),
    ('Z_CostContact', 'cost_per_contact'),
    ('Z_Revenue', 'revenue_per_responder'),
] %}

{#- Counts and amounts that cannot be negative (birth year and the constant economics aside). -#}
{%- set nonnegative_columns = [] %}
{%- for raw, name in integer_columns %}
{%- if name not in ('birth_year_raw', 'cost_per_contact', 'revenue_per_responder') %}
{%- do nonnegative_columns.append(name) %}
{%- endif %}
{%- endfor %}
{%- set spend_columns = ['spend_wines', 'spend_fruits', 'spend_meat', 'spend_fish',
                         'spend_sweets', 'spend_gold'] %}

with numbered as (

    {{ numbered_raw_rows('marketing_campaign', 'customers') }}

),

parsed as (

    select
        -- ids
        source_row_number,
        {{ parse_as(adapter.quote('ID'), 'integer') }} as customer_id,

        -- strings
        {{ clean_text(adapter.quote('Education')) }} as education,
        {{ clean_text(adapter.quote('Marital_Status')) }} as marital_status_raw,

        -- numerics
        {%- for raw, name in integer_columns %}
        {{ parse_as(adapter.quote(raw), 'integer') }} as {{ name }},
        {%- endfor %}
        {{ parse_as(adapter.quote('Income'), 'decimal(12, 2)') }} as income,
        {{ parse_as(adapter.quote('Response'), 'integer') }} as response,

        -- dates
        cast(
            {{ parse_timestamp(adapter.quote('Dt_Customer'), '%d-%m-%Y') }} as date
        ) as enrolled_date,

        -- checks
        (
            {%- for raw, name in integer_columns %}
            {{ parse_as(adapter.quote(raw), 'integer') }} is null{{ " or" if not loop.last }}
            {%- endfor %}
        ) as has_missing_or_unparseable_number,
        {{ fails_parse(adapter.quote('Income'), 'decimal(12, 2)') }} as income_unparseable,
        (
            {{ clean_text(adapter.quote('Response')) }} is not null
            and {{ clean_text(adapter.quote('Response')) }} not in ('0', '1')
        ) as response_unparseable,
        row_number() over (
            partition by {{ parse_as(adapter.quote('ID'), 'integer') }}
            order by raw_record, source_row_number
        ) as key_rank,
        raw_record
    from numbered

),

bounds as (

    {{ plausible_date_bounds('parsed', ['enrolled_date']) }}

),

final as (

    select
        parsed.*,
        {{ reject_reason([
            ("customer_id is null", "missing_or_unparseable_key"),
            ("enrolled_date is null", "missing_or_unparseable_dt_customer"),
            ("has_missing_or_unparseable_number", "missing_or_unparseable_number"),
            ("income_unparseable", "unparseable_income"),
            ("response_unparseable", "unparseable_response"),
            ("least(" ~ nonnegative_columns | join(', ') ~ ") < 0 or income < 0",
             "negative_value"),
            ("income > " ~ var('marketing_campaign_max_income'), "implausible_income"),
            ("greatest(" ~ spend_columns | join(', ') ~ ") > "
                ~ var('marketing_campaign_max_spend'), "implausible_spend"),
            (outside_bounds('enrolled_date'), "implausible_dt_customer"),
            ("key_rank > 1", "duplicate_key"),
        ] + as_of_cut_rules('marketing_campaign', 'enrolled_date')) }} as reject_reason
    from parsed
    cross join bounds

)

select * from final
