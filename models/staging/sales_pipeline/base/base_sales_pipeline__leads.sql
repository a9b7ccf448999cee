-- depends_on: {{ ref('raw_file_audit') }}
{# Every raw lead row, typed, with the reason it cannot be staged (null when it can). #}

with numbered as (

    {{ numbered_raw_rows('sales_pipeline', 'leads') }}

),

parsed as (

    select
        -- ids
        source_row_number,
        {{ clean_text(adapter.quote('Id')) }} as lead_id,

        -- strings
        {{ clean_text(adapter.quote('First Name')) }} as first_name,
        {{ clean_text(adapter.quote('Use Case')) }} as use_case,
        {{ clean_text(adapter.quote('Source')) }} as lead_source,
        {{ clean_text(adapter.quote('Status')) }} as lead_status,
        {{ clean_text(adapter.quote('Discarded/Nurturing Reason')) }} as discarded_nurturing_reason,
        {{ clean_text(adapter.quote('Acquisition Campaign')) }} as acquisition_campaign,
        {{ clean_text(adapter.quote('City')) }} as city,

        -- booleans
        case {{ clean_text(adapter.quote('Converted')) }}
            when '1' then true
            when '0' then false
            when 'True' then true
            when 'False' then false
        end as is_converted,

        -- dates
        {{ parse_as(adapter.quote('Created Date'), 'date') }} as created_date,

        -- checks
        {{ fails_parse(adapter.quote('Created Date'), 'date') }} as created_date_unparseable,
        (
            {{ clean_text(adapter.quote('Converted')) }} is not null
            and {{ clean_text(adapter.quote('Converted')) }} not in ('0', '1', 'True', 'False')
        ) as converted_unparseable,
        row_number() over (
            partition by {{ clean_text(adapter.quote('Id')) }}
            order by raw_record, source_row_number
        ) as key_rank,
        raw_record
    from numbered

),

bounds as (

    {{ plausible_date_bounds('parsed', ['created_date']) }}

),

final as (

    select
        parsed.*,
        {{ reject_reason([
            ("lead_id is null", "missing_key"),
            ("created_date_unparseable", "unparseable_created_date"),
            (outside_bounds('created_date'), "implausible_created_date"),
            ("converted_unparseable", "unparseable_converted"),
            ("key_rank > 1", "duplicate_key"),
        ] + as_of_cut_rules('sales_pipeline', 'created_date')) }} as reject_reason
    from parsed
    cross join bounds

)

select * from final
