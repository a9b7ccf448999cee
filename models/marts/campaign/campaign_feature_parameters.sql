{#
    The parameters campaign_features derives its features with, in one row: the reference date
    age and tenure are measured at, the income that imputes a missing one (the median income of
    the labelled customers) and the plausible birth years. campaign_features reads them from
    here, and so does the raw-record scorer (revenue_ml.score campaign, the REST service), which
    scores new customers with this build's parameters.
#}

with customers as (

    select * from {{ ref('stg_marketing_campaign__customers') }}

),

income_median as (

    select {{ median('income', decimal_scale=2) }} as median_income
    from customers
    where is_labeled and income is not null

),

final as (

    select
        date '{{ var("campaign_reference_date") }}' as reference_date,
        median_income as imputation_income,
        {{ var('min_plausible_birth_year', 1920) }} as min_plausible_birth_year,
        {{ var('max_plausible_birth_year', 2010) }} as max_plausible_birth_year
    from income_median

)

select * from final
