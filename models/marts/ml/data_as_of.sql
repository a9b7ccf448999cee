{#
    How recent each domain's data is in this build: the newest date its data holds, the date
    every prediction of the build is made as of (ml.prediction_log.data_as_of). A build on newer
    data has a later date, so its predictions are logged anew; a rebuild on the same data has
    the same dates and logs nothing new.

    sales       the offers' as-of date (the latest creation, or close of a closed offer);
    ecommerce   the latest invoice date;
    enrollment  the first day of the latest enrollment period;
    campaign    the latest customer enrolment (Dt_Customer), the file's only date;
    churn       var `churn_data_as_of`, else the newest date of the other domains: the telecom
                file carries no date at all.
#}

with dated as (

    select
        'sales' as domain,
        max(as_of_date) as data_as_of
    from {{ ref('offer_features') }}

    union all

    select
        'ecommerce' as domain,
        max(invoice_date) as data_as_of
    from {{ ref('stg_online_retail__transactions') }}

    union all

    select
        'enrollment' as domain,
        max(
            make_date(
                cast({{ int_div('periodo', 100) }} as integer), cast(periodo % 100 as integer), 1
            )
        ) as data_as_of
    from {{ ref('int_enrollment__class_periods') }}

    union all

    select
        'campaign' as domain,
        max(enrolled_date) as data_as_of
    from {{ ref('stg_marketing_campaign__customers') }}

),

churn as (

    select
        'churn' as domain,
        {%- if var('churn_data_as_of', none) %}
        cast('{{ var("churn_data_as_of") }}' as date) as data_as_of
        {%- else %}
        max(data_as_of) as data_as_of
        {%- endif %}
    from dated

),

final as (

    select
        cast(domain as string) as domain,
        cast(data_as_of as date) as data_as_of
    from dated

    union all

    select
        cast(domain as string) as domain,
        cast(data_as_of as date) as data_as_of
    from churn

)

select * from final
