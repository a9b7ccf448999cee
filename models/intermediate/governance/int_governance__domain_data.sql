{#
    What each domain's models were trained on, in this build, for the model cards
    (ml.model_cards): the dataset, the raw files with their rows (quality.raw_row_accounting),
    the period the data spans (the same dates ml.data_as_of reads) and its as-of date.
#}

with accounting as (

    select * from {{ ref('raw_row_accounting') }}

),

source_domains as (

    {{ domain_sources_select() }}

),

files as (

    select
        source_domains.domain,
        {{ ordered_string_agg(
            "regexp_extract(accounting.file_path, '[^/]+/[^/]+$', 0) || ' ('
            || cast(accounting.raw_rows as string) || ' rows, '
            || cast(accounting.staged_rows as string) || ' staged)'",
            '; ',
            'accounting.file_path'
        ) }} as source_files
    from accounting
    inner join source_domains
        on accounting.source_name = source_domains.source_name
    group by source_domains.domain

),

periods as (

    select
        'sales' as domain,
        'offers created ' || cast(min(created_date) as string) || ' to '
        || cast(max(created_date) as string) as period
    from {{ ref('offer_features') }}

    union all

    select
        'campaign' as domain,
        'customers who joined ' || cast(min(enrolled_date) as string) || ' to '
        || cast(max(enrolled_date) as string) as period
    from {{ ref('stg_marketing_campaign__customers') }}

    union all

    select
        'enrollment' as domain,
        'enrollment periods ' || cast(min(periodo) as string) || ' to '
        || cast(max(periodo) as string) || ' (YYYYMM)' as period
    from {{ ref('int_enrollment__class_periods') }}

    union all

    select
        'ecommerce' as domain,
        'invoices ' || cast(cast(min(invoice_date) as date) as string) || ' to '
        || cast(cast(max(invoice_date) as date) as string) as period
    from {{ ref('stg_online_retail__transactions') }}

    union all

    select
        'churn' as domain,
        'one extract without dates (the telecom file has no date column)' as period

),

as_of as (

    select * from {{ ref('data_as_of') }}

),

final as (

    select
        cast(as_of.domain as string) as domain,
        cast({{ sql_literal(dataset_label()) }} as string) as dataset_label,
        cast(files.source_files as string) as source_files,
        cast(periods.period as string) as period,
        cast(as_of.data_as_of as date) as data_as_of
    from as_of
    left join files
        on as_of.domain = files.domain
    left join periods
        on as_of.domain = periods.domain

)

select * from final
