-- hosp-logs traffic --engine athena: the traffic mix in one scan. Clients and user agents are
-- ranked in Athena and only the top rows come back.
WITH r AS (
    SELECT
        COALESCE({{excluded}}, FALSE) AS x,
        {{unparsed}} AS u,
        {{request_type}} AS type,
        {{client_ip}} AS client_ip,
        {{method}} AS method,
        {{endpoint}} AS endpoint,
        {{user_agent}} AS user_agent,
        {{tls_protocol}} AS ssl_protocol,
        {{tls_cipher}} AS ssl_cipher,
        {{bytes_in}} AS received_bytes,
        {{bytes_out}} AS sent_bytes,
        {{bucket}} AS bucket
    FROM {{table}}
    WHERE {{partitions}}
      AND ({{unparsed}} OR ({{in_window}}))
),
g AS (
    SELECT
        grouping(type, ssl_protocol, ssl_cipher, method, endpoint, client_ip, user_agent, bucket) AS set_id,
        x, u, type, ssl_protocol, ssl_cipher, method, endpoint, client_ip, user_agent, bucket,
        count(*) AS requests,
        count_if(type IN ('http', 'ws')) AS plain_http,
        count_if(strpos(client_ip, ':') > 0) AS ipv6,
        sum(received_bytes) AS bytes_in,
        sum(sent_bytes) AS bytes_out
    FROM r
    GROUP BY GROUPING SETS (
        (x, u), (x, u, type), (x, u, ssl_protocol), (x, u, ssl_cipher), (x, u, method), (x, u, method, endpoint), (x, u, client_ip),
        (x, u, user_agent), (x, u, bucket)
    )
)
SELECT * FROM (
    SELECT g.*,
        row_number() OVER (
            PARTITION BY set_id, x, u
            ORDER BY requests DESC, type NULLS FIRST, ssl_protocol NULLS FIRST,
                     ssl_cipher NULLS FIRST, method NULLS FIRST, endpoint NULLS FIRST,
                     client_ip NULLS FIRST, user_agent NULLS FIRST, bucket NULLS FIRST
        ) AS rn
    FROM g
)
WHERE rn <= {{top}} OR set_id NOT IN ({{ranked_sets}})
