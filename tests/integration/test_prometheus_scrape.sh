#!/bin/bash
# A real scraper: Debian's Prometheus scrapes the agent's /metrics (which
# wants --token-file's token, sent as Prometheus' authorization:
# credentials_file) and its HTTP API answers bpfprof_samples_total > 0; the
# same target scraped without the token is down. /healthz stays open.
. "$(dirname "$0")/../lib.sh"

PROM=/usr/bin/prometheus
[ -x $PROM ] || { skip all "no $PROM (Debian prometheus; tools/install-deps.sh)"; finish; }

TOKEN=$TMP/token
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TOKEN"
chmod 0600 "$TOKEN"
APORT=$(free_port)
AURL=http://127.0.0.1:$APORT
bg "$BPFPROF" serve --no-config --listen "127.0.0.1:$APORT" --token-file "$TOKEN" \
	--data-dir "$TMP/data" --window 1s 2>"$TMP/agent.err"
AGENT=$LAST_PID
wait_http "$AURL/healthz" 15 && pass healthz-open || fail healthz-open "$(head -c 400 "$TMP/agent.err")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$AURL/metrics")
[ "$code" = 401 ] && pass metrics-wants-token || fail metrics-wants-token "/metrics without a token: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$TOKEN")" "$AURL/metrics")
[ "$code" = 200 ] && pass metrics-with-token || fail metrics-with-token "/metrics with the token: $code"

PPORT=$(free_port)
PURL=http://127.0.0.1:$PPORT
cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: bpfprof
    authorization:
      credentials_file: $TOKEN
    static_configs:
      - targets: ['127.0.0.1:$APORT']
        labels:
          host: test-host
  - job_name: bpfprof-no-token
    static_configs:
      - targets: ['127.0.0.1:$APORT']
YML
bg $PROM --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" --log.level=warn 2>"$TMP/prom.err"
PROM_PID=$LAST_PID
wait_http "$PURL/-/ready" 20 || fail prometheus-starts "$(tail -c 400 "$TMP/prom.err")"

# query PROMQL: the first sample's value, or nothing
query() {
	curl -s -G "$PURL/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}

samples="" down=""
for _ in $(seq 60); do # bounded: 30 s
	samples=$(query 'bpfprof_samples_total{job="bpfprof",host="test-host"}')
	down=$(query 'up{job="bpfprof-no-token"}')
	[ -n "$samples" ] && ge "$samples" 1 && [ "$down" = 0 ] && break
	sleep 0.5
done
[ -n "$samples" ] && ge "$samples" 1 && pass scraped-with-token \
	|| fail scraped-with-token "bpfprof_samples_total is '$samples': $(tail -c 300 "$TMP/prom.err")"
[ "$down" = 0 ] && pass down-without-token || fail down-without-token "up{job=\"bpfprof-no-token\"} is '$down'"
refused=$(curl -s -H "Authorization: Bearer $(cat "$TOKEN")" "$AURL/metrics" |
	awk '/^bpfprof_http_refused_total\{reason="unauthorized"\}/ { print $2 }')
[ -n "$refused" ] && ge "$refused" 2 && pass refusals-counted \
	|| fail refusals-counted "bpfprof_http_refused_total{reason=\"unauthorized\"} is '$refused'"

kill "$PROM_PID" "$AGENT" 2>/dev/null
wait "$PROM_PID" 2>/dev/null
finish
