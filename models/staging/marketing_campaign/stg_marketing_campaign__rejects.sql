{#- Raw rows of the marketing_campaign file that could not be staged, with the reason and the
    raw row as JSON (macro rejects_of, macros/staging/raw_tables.sql). -#}
{{ rejects_of('marketing_campaign') }}
