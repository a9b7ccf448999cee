{#- Raw rows of the sales_pipeline files that could not be staged, with the reason and the raw row
    as JSON (macro rejects_of, macros/staging/raw_tables.sql). -#}
{{ rejects_of('sales_pipeline') }}
