-- CloudFront standard logs (legacy) as an Athena table: AWS's documented table
-- (https://docs.aws.amazon.com/athena/latest/ug/create-cloudfront-table-standard-logs.html):
-- tab-separated fields read by LazySimpleSerDe, the two header lines of each file
-- (#Version, #Fields) skipped, every object under the location read (the legacy layout has
-- no date folders: a window's query scans the whole prefix; its rows are filtered by date).
--
-- `hosp-logs athena setup --log-format cloudfront` fills in {{database}}, {{table}} and
-- {{location}} (an s3:// folder ending in /, validated); `--print` shows the result.
--
-- Columns follow the fields in order (`date` in backticks: a reserved word). A field AWS
-- writes as '-' is NULL in the numeric columns and '-' in the text ones; sc_status 000 reads
-- as 0. AWS names cs(Referer) cs_referrer here; hosp-logs' own frame calls it cs_referer.
-- Files with fewer fields (older layouts) leave the last columns NULL.
CREATE EXTERNAL TABLE IF NOT EXISTS {{database}}.{{table}} (
    `date` DATE,
    time STRING,
    x_edge_location STRING,
    sc_bytes BIGINT,
    c_ip STRING,
    cs_method STRING,
    cs_host STRING,
    cs_uri_stem STRING,
    sc_status INT,
    cs_referrer STRING,
    cs_user_agent STRING,
    cs_uri_query STRING,
    cs_cookie STRING,
    x_edge_result_type STRING,
    x_edge_request_id STRING,
    x_host_header STRING,
    cs_protocol STRING,
    cs_bytes BIGINT,
    time_taken FLOAT,
    x_forwarded_for STRING,
    ssl_protocol STRING,
    ssl_cipher STRING,
    x_edge_response_result_type STRING,
    cs_protocol_version STRING,
    fle_status STRING,
    fle_encrypted_fields INT,
    c_port INT,
    time_to_first_byte FLOAT,
    x_edge_detailed_result_type STRING,
    sc_content_type STRING,
    sc_content_len BIGINT,
    sc_range_start BIGINT,
    sc_range_end BIGINT
)
{{partitioned_by}}ROW FORMAT DELIMITED
FIELDS TERMINATED BY '\t'
LOCATION '{{location}}'
TBLPROPERTIES (
    'skip.header.line.count' = '2'{{projection}}
)
