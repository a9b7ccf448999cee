-- depends_on: {{ ref('raw_file_audit') }}
{# Every raw invoice line, typed, with the reason it cannot be staged (null when it can). #}

with numbered as (

    {{ numbered_raw_rows('online_retail', 'transactions') }}

),

ranked as (

    select
        *,
        {{ duplicate_rank(['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate',
                           'UnitPrice', 'CustomerID', 'Country']) }} as duplicate_rank
    from numbered

),

parsed as (

    select
        -- ids
        source_row_number,
        {{ clean_text(adapter.quote('InvoiceNo')) }} as invoice_no,
        {{ clean_text(adapter.quote('StockCode')) }} as stock_code,
        {{ parse_as(adapter.quote('CustomerID'), 'integer') }} as customer_id,

        -- strings
        {{ clean_text(adapter.quote('Description')) }} as description,
        {{ clean_text(adapter.quote('Country')) }} as country,

        -- numerics
        {{ parse_as(adapter.quote('Quantity'), 'integer') }} as quantity,
        {{ parse_as(adapter.quote('UnitPrice'), 'decimal(18, 3)') }} as unit_price,

        -- timestamps
        {{ parse_timestamp(adapter.quote('InvoiceDate'), '%m/%d/%Y %H:%M') }} as invoiced_at,

        -- checks
        {{ fails_parse(adapter.quote('CustomerID'), 'integer') }} as customer_id_unparseable,
        {{ fails_parse(adapter.quote('Quantity'), 'integer') }} as quantity_unparseable,
        {{ fails_parse(adapter.quote('UnitPrice'), 'decimal(18, 3)') }} as unit_price_unparseable,
        duplicate_rank,
        raw_record
    from ranked

),

bounds as (

    {{ plausible_date_bounds('parsed', ['invoiced_at']) }}

),

final as (

    select
        parsed.*,
        {{ reject_reason([
            ("invoice_no is null", "missing_invoice_no"),
            ("stock_code is null", "missing_stock_code"),
            ("invoiced_at is null", "missing_or_unparseable_invoice_date"),
            ("quantity is null", "missing_or_unparseable_quantity"),
            ("unit_price is null", "missing_or_unparseable_unit_price"),
            ("customer_id_unparseable", "unparseable_customer_id"),
            ("unit_price < 0", "negative_price"),
            ("unit_price > " ~ var('online_retail_max_unit_price'), "implausible_unit_price"),
            ("abs(quantity) > " ~ var('online_retail_max_abs_quantity'), "implausible_quantity"),
            (outside_bounds('invoiced_at'), "implausible_invoice_date"),
            ("duplicate_rank > 1 and not " ~ var('online_retail_keep_exact_duplicates'),
             "exact_duplicate_row"),
        ] + as_of_cut_rules('online_retail', 'invoiced_at')) }} as reject_reason
    from parsed
    cross join bounds

)

select * from final
