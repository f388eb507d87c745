-- ALB access logs as an Athena table: AWS's documented RegexSerDe table with partition
-- projection over the yyyy/MM/dd delivery folders, extended for the 2024-2025 trailing fields
-- (conn_trace_id, transformed_host, transformed_uri, request_transform_status).
--
-- `hosp-logs athena setup` fills in {{database}}, {{table}}, {{location}} (an s3:// folder
-- ending in /, validated) and {{range_start}} (yyyy/MM/dd). `hosp-logs athena setup --print`
-- shows the result.
--
-- The regex is AWS's, one group per column, changed to read every era of the format as the
-- native parser does (tests/athena_ddl.rs compares every column):
--   * the fields after chosen_cert_arn are optional, each nested in the one before it: a 2018
--     line (20 fields) up to a 2025 one (33) fills its columns and leaves the missing ones NULL,
--     never moving a value into another column; `( .*)?` swallows any field ALB adds later;
--   * the request splits on its first and last space, trimmed ("GET url HTTP/1.0 " has its
--     protocol), with no two ways to match a run of spaces, so no request makes Java backtrack
--     for long;
--   * bracketed IPv6 ([2001:db8::1]:443) loses its brackets; domain_name loses the spaces
--     ALB sometimes leaves inside its quotes;
--   * the target lists may come unquoted (vrl's variant), and a quoted list of several
--     ip:port items reads whole (one group cannot pair optional quotes, so other content
--     with a space in it is cut there);
--   * an unquoted optional field is never empty, so a doubled space adds no phantom field.
-- Java syntax that Rust's regex crate and Python's re read the same way (the tests use both):
-- no lookaround, no backreferences, and no repeated groups (Java recurses once per repetition).
-- It has one more group than there are columns (the catch-all), like AWS's own: Athena maps
-- group i to column i and ignores the extra one.
-- Lines the regex does not match (not ALB's format, e.g. fields not separated by one space)
-- come back as rows of NULLs; the analyses count them as unparsed instead of dropping them.
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
    'input.regex' = '([^ ]*) ([^ ]*) ([^ ]*) \\[?([^ \\[\\]]*)\\]?[:-]([0-9]*) \\[?([^ \\[\\]]*)\\]?[:-]([0-9]*) ([-.0-9]*) ([-.0-9]*) ([-.0-9]*) (|[-0-9]*) (-|[-0-9]*) ([-0-9]*) ([-0-9]*) \"(?: *([^ \"]+)(?: +([^ \"](?:[^\"]*?[^ \"])??)(?: +([^ \"]+))?)?)? *\" \"([^\"]*)\" ([A-Z0-9-_]+) ([A-Za-z0-9.-]*) ([^ ]*) \"([^\"]*)\" \" *((?:[^ \"](?:[^\"]*[^ \"])?)?) *\" \"([^\"]*)\"(?: ([-.0-9]+)(?: ([^ \"]+)(?: \"([^\"]*)\"(?: \"([^\"]*)\"(?: \"([^\"]*)\"(?: \"?([^ \"]+(?: [^\"]*:[0-9]+)?)\"?(?: \"?([-0-9]+(?: [-0-9 ]*[-0-9])?)\"?(?: \"([^\"]*)\"(?: \"([^\"]*)\"(?: ([^ \"]+)(?: \"([^\"]*)\"(?: \"([^\"]*)\"(?: \"([^\"]*)\")?)?)?)?)?)?)?)?)?)?)?)?)?( .*)?'
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
