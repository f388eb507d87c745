-- ALB access logs as an Athena table: AWS's documented RegexSerDe table with partition
-- projection over the yyyy/MM/dd delivery folders, extended for the 2024-2025 trailing fields
-- (conn_trace_id, transformed_host, transformed_uri, request_transform_status).
--
-- `hosp-logs athena setup` fills in {{database}}, {{table}}, {{location}} (an s3:// folder
-- ending in /, validated) and {{range_start}} (yyyy/MM/dd). `hosp-logs athena setup --print`
-- shows the result.
--
-- The regex is AWS's current one, one group per column, with two changes at the end:
--   * the three quoted transform fields are captured when present (lines from 2025-08 on);
--   * `( .*)?` still swallows any field ALB adds later, so new fields never break the table.
-- It has one more group than there are columns (the catch-all), like AWS's own: Athena maps
-- group i to column i and ignores the extra one.
-- Lines the regex does not match (pre-2020 lines with fewer than 29 fields) come back as rows
-- of NULLs; the analyses count them as unparsed instead of dropping them silently.
CREATE EXTERNAL TABLE IF NOT EXISTS {{database}}.{{table}} (
    type string,
    time string,
    elb string,
    client_ip string,
    client_port int,
    target_ip string,
    target_port int,
    request_processing_time double,
    target_processing_time double,
    response_processing_time double,
    elb_status_code int,
    target_status_code string,
    received_bytes bigint,
    sent_bytes bigint,
    request_verb string,
    request_url string,
    request_proto string,
    user_agent string,
    ssl_cipher string,
    ssl_protocol string,
    target_group_arn string,
    trace_id string,
    domain_name string,
    chosen_cert_arn string,
    matched_rule_priority string,
    request_creation_time string,
    actions_executed string,
    redirect_url string,
    lambda_error_reason string,
    target_port_list string,
    target_status_code_list string,
    classification string,
    classification_reason string,
    conn_trace_id string,
    transformed_host string,
    transformed_uri string,
    request_transform_status string
)
PARTITIONED BY (day string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES (
    'serialization.format' = '1',
    'input.regex' = '([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*):([0-9]*) ([^ ]*)[:-]([0-9]*) ([-.0-9]*) ([-.0-9]*) ([-.0-9]*) (|[-0-9]*) (-|[-0-9]*) ([-0-9]*) ([-0-9]*) \"([^ ]*) (.*) (- |[^ ]*)\" \"([^\"]*)\" ([A-Z0-9-_]+) ([A-Za-z0-9.-]*) ([^ ]*) \"([^\"]*)\" \"([^\"]*)\" \"([^\"]*)\" ([-.0-9]*) ([^ ]*) \"([^\"]*)\" \"([^\"]*)\" \"([^ ]*)\" \"([^\\s]+?)\" \"([^\\s]+)\" \"([^ ]*)\" \"([^ ]*)\" ?([^ ]*)?(?: \"([^\"]*)\" \"([^\"]*)\" \"([^\"]*)\")?( .*)?'
)
LOCATION '{{location}}'
TBLPROPERTIES (
    'projection.enabled' = 'true',
    'projection.day.type' = 'date',
    'projection.day.range' = '{{range_start}},NOW',
    'projection.day.format' = 'yyyy/MM/dd',
    'projection.day.interval' = '1',
    'projection.day.interval.unit' = 'DAYS',
    'storage.location.template' = '{{location}}${day}'
)
