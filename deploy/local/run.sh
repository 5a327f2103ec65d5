#!/usr/bin/env bash
# The README's main command: on a fresh Debian 12 machine, installs the dependencies, builds the
# release preset, starts a throwaway PostgreSQL in .local/, bootstraps roles and keys, starts the
# fleet on the simulated campaign clock, and drives the demo campaign through the public
# interfaces. Ctrl-C stops everything cleanly and removes the throwaway database.
#
#   deploy/local/run.sh            run until Ctrl-C
#   deploy/local/run.sh --once     run the demo, print the summary, stop (used in CI smoke runs)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
once=0
[ "${1:-}" = "--once" ] && once=1

deploy/local/install-deps.sh
if [ -z "${DUCHA_BIN_DIR:-}" ]; then
  echo "== building (preset release)"
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)" --target ducha-intake ducha-dispatch ducha-tracking ducha-review ducha-bulletin ducha-gateway ducha-ctl ducha-demo >/dev/null
fi
# DUCHA_BIN_DIR: run binaries from another build tree (developers iterating on a debug build).
bin="${DUCHA_BIN_DIR:-$root/build/release/services}"

# Sanitizer builds (CI's smoke run): the font libraries' caches live until exit by design.
export LSAN_OPTIONS="suppressions=$root/cmake/lsan.supp:print_suppressions=0"
state="$root/.local"
pgdir="$state/pg"
rm -rf "$state"
mkdir -p "$state/keys" "$state/logs"
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "== stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  deploy/local/pg.sh destroy "$pgdir" || true
  echo "stopped; throwaway database removed"
}
trap cleanup EXIT INT TERM

echo "== throwaway PostgreSQL in $pgdir"
deploy/local/pg.sh init "$pgdir" >/dev/null
deploy/local/pg.sh start "$pgdir"
port=$(cat "$pgdir/port")
base="host=$pgdir/run port=$port"
ctl="$bin/ctl/ducha-ctl"
"$ctl" db bootstrap --admin-url "$base user=postgres"
export DUCHA_CTL_DB_URL="$base dbname=ducha user=ducha_ref"
export DUCHA_CTL_READ_URL="$base dbname=ducha user=ducha_operator"

echo "== keys"
"$ctl" keys create intake-server --role service --out "$state/keys/intake-server.key" >/dev/null
"$ctl" keys create dispatch --role service --out "$state/keys/dispatch.key" >/dev/null
# Tracking submits the key tasks that fall behind to intake as problems of channel key_task.
"$ctl" keys create tracking --role service --channels key_task --out "$state/keys/tracking.key" >/dev/null
"$ctl" keys create review --role service --out "$state/keys/review.key" >/dev/null
"$ctl" keys create bulletin --role service --out "$state/keys/bulletin.key" >/dev/null
# The Open311 HTTP gateway submits and reads on behalf of integrations (role gateway); the demo
# web platform also gets an API key for it (only its hash is stored).
"$ctl" keys create gateway --role gateway --out "$state/keys/gateway.key" >/dev/null
# The enforcement bureau (re-inspections) and 石家庄's commissioner office (responsibility).
"$ctl" keys create enforcement-bureau --role enforcement_bureau --out "$state/keys/enforcement-bureau.key" >/dev/null
"$ctl" keys create co-shijiazhuang --role commissioner_office --scope 130100 --out "$state/keys/co-shijiazhuang.key" >/dev/null
# Responsible bodies (责任单位) and the supervision center, for the tracking demo.
"$ctl" keys create changan-gov --role body --scope 130102 --out "$state/keys/changan-gov.key" >/dev/null
"$ctl" keys create qiaoxi-gov --role body --scope 130104 --out "$state/keys/qiaoxi-gov.key" >/dev/null
"$ctl" keys create sjz-bureau --role body --scope 130100 --out "$state/keys/sjz-bureau.key" >/dev/null
"$ctl" keys create center-duty-1 --role supervision_center --out "$state/keys/center-duty-1.key" >/dev/null
"$ctl" keys create operator-1 --role operator --out "$state/keys/operator-1.key" >/dev/null
"$ctl" keys create demo-web-platform --role integration \
  --channels citizen_web,citizen_hotline --out "$state/keys/demo-web-platform.key"
"$ctl" keys create demo-inspection-groups --role integration \
  --channels supervision_group,covert_group,central_media,ministry_supervision,interview_followup,provincial_inspection,enforcement_bureau \
  --out "$state/keys/demo-inspection-groups.key"
# The demo's responsible bodies: one key answering for every county government and city bureau
# (in a real deployment each body has its own key and scope).
all_places=$(awk -F, '/^[0-9]/ {print $1; print $3} END {print "130181"; print "130682"; print "133100"}' \
  deploy/campaigns/hebei-2017-2018/counties.csv | sort -u | paste -sd, -)
"$ctl" keys create demo-bodies --role body --scope "$all_places" --out "$state/keys/demo-bodies.key" >/dev/null
"$ctl" keys api-key demo-web-platform --out "$state/keys/demo-web-platform.api-key" >/dev/null
# The demo campaign runs in round 3 (2017-11-20 .. 12-04) on the simulated clock.
"$ctl" clock set 2017-11-22T09:00:00+08:00

intake_port=$(deploy/local/pg.sh freeport)
intake_stream_port=$(deploy/local/pg.sh freeport)
dispatch_stream_port=$(deploy/local/pg.sh freeport)
dispatch_admin_port=$(deploy/local/pg.sh freeport)
tracking_port=$(deploy/local/pg.sh freeport)
tracking_stream_port=$(deploy/local/pg.sh freeport)
intake_http=$(deploy/local/pg.sh freeport)
dispatch_http=$(deploy/local/pg.sh freeport)
tracking_http=$(deploy/local/pg.sh freeport)
review_port=$(deploy/local/pg.sh freeport)
review_stream_port=$(deploy/local/pg.sh freeport)
review_http=$(deploy/local/pg.sh freeport)
bulletin_port=$(deploy/local/pg.sh freeport)
bulletin_http=$(deploy/local/pg.sh freeport)
smtp_port=$(deploy/local/pg.sh freeport)
gateway_port=$(deploy/local/pg.sh freeport)
gateway_http=$(deploy/local/pg.sh freeport)
# Where each service's operations endpoint is, for `ducha-ctl status`.
cat >"$state/fleet" <<FLEET
intake 127.0.0.1:$intake_http
dispatch 127.0.0.1:$dispatch_http
tracking 127.0.0.1:$tracking_http
review 127.0.0.1:$review_http
bulletin 127.0.0.1:$bulletin_http
gateway 127.0.0.1:$gateway_http
FLEET
export DUCHA_CTL_FLEET="$state/fleet"
# What every service's configuration shares: the log, its database role, the campaign, its key,
# the fleet clock and its HTTP port.
conf_head() {  # SERVICE KEY_NAME HTTP_PORT
  cat <<CONF
[log]
level = info
[db]
url = $base dbname=ducha user=ducha_$1
[campaign]
dir = $root/deploy/campaigns/hebei-2017-2018
[transport]
secret_key_file = $state/keys/$2.key
[clock]
source = fleet
[http]
port = $3
CONF
}
# The two lines that make a service follow PRODUCER's stream over CURVE.
follows() {  # PRODUCER STREAM_PORT KEY_NAME
  printf '%s_endpoint = tcp://127.0.0.1:%s\n%s_server_key_file = %s\n' \
    "$1" "$2" "$1" "$state/keys/$3.key.pub"
}
{
  conf_head intake intake-server "$intake_http"
  printf '[intake]\nendpoint = tcp://127.0.0.1:%s\nstream_endpoint = tcp://127.0.0.1:%s\n' \
    "$intake_port" "$intake_stream_port"
} >"$state/intake.conf"
{
  conf_head dispatch dispatch "$dispatch_http"
  printf '[dispatch]\nendpoint = tcp://127.0.0.1:%s\nadmin_endpoint = tcp://127.0.0.1:%s\n' \
    "$dispatch_stream_port" "$dispatch_admin_port"
  follows intake "$intake_stream_port" intake-server
} >"$state/dispatch.conf"
{
  conf_head tracking tracking "$tracking_http"
  printf '[tracking]\nendpoint = tcp://127.0.0.1:%s\nstream_endpoint = tcp://127.0.0.1:%s\n' \
    "$tracking_port" "$tracking_stream_port"
  follows dispatch "$dispatch_stream_port" dispatch
  follows intake "$intake_stream_port" intake-server
  follows review "$review_stream_port" review
  printf 'intake_submit_endpoint = tcp://127.0.0.1:%s\n' "$intake_port"
} >"$state/tracking.conf"
{
  conf_head review review "$review_http"
  printf '[review]\nendpoint = tcp://127.0.0.1:%s\nstream_endpoint = tcp://127.0.0.1:%s\n' \
    "$review_port" "$review_stream_port"
  follows tracking "$tracking_stream_port" tracking
  follows intake "$intake_stream_port" intake-server
  follows dispatch "$dispatch_stream_port" dispatch
  printf 'sample_rate = 0.3\nsample_seed = 2017\n'
} >"$state/review.conf"
{
  conf_head bulletin bulletin "$bulletin_http"
  printf '[bulletin]\nendpoint = tcp://127.0.0.1:%s\nsend_hour = 9\n' "$bulletin_port"
  follows intake "$intake_stream_port" intake-server
  follows dispatch "$dispatch_stream_port" dispatch
  follows tracking "$tracking_stream_port" tracking
  follows review "$review_stream_port" review
  # Public disclosure (serve $state/disclosure/current) and the saved round reports.
  printf 'disclosure_dir = %s\npublish_interval_ms = 10000\nreports_dir = %s\n' \
    "$state/disclosure" "$state/reports"
  # The local SMTP sink started below (Debian's aiosmtpd); mail lands in $state/mail/.
  printf '[smtp]\nurl = smtp://127.0.0.1:%s\nstarttls = none\n' "$smtp_port"
  printf 'from = bulletin@ducha.hebei.example\nfrom_name = 督察快报\n'
} >"$state/bulletin.conf"
{
  conf_head gateway gateway "$gateway_http"
  printf '[gateway]\nport = %s\n' "$gateway_port"
  printf 'intake_endpoint = tcp://127.0.0.1:%s\nintake_server_key_file = %s\n' \
    "$intake_port" "$state/keys/intake-server.key.pub"
  printf 'tracking_endpoint = tcp://127.0.0.1:%s\ntracking_server_key_file = %s\n' \
    "$tracking_port" "$state/keys/tracking.key.pub"
} >"$state/gateway.conf"

# Starts one service and waits for the line that says it serves.
start() {
  local name=$1 ready=$2
  "$bin/$name/ducha-$name" --config "$state/$name.conf" >"$state/logs/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    grep -q "$ready" "$state/logs/$name.log" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$state/logs/$name.log"
  return 1
}

echo "== starting the fleet"
start intake "intake serving"
echo "intake on tcp://127.0.0.1:$intake_port (log: $state/logs/intake.log)"
start dispatch "dispatch running"
echo "dispatch following intake (log: $state/logs/dispatch.log)"
start tracking "tracking running"
echo "tracking following dispatch and intake, bodies on tcp://127.0.0.1:$tracking_port (log: $state/logs/tracking.log)"
echo "== local SMTP sink (aiosmtpd) on 127.0.0.1:$smtp_port, mail in $state/mail/"
mkdir -p "$state/mail/cur" "$state/mail/new" "$state/mail/tmp"
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$state/mail" \
  >"$state/logs/smtp.log" 2>&1 &
pids+=($!)
start review "review running"
echo "review following tracking, intake and dispatch, bureau and offices on tcp://127.0.0.1:$review_port (log: $state/logs/review.log)"
start bulletin "bulletin running"
echo "bulletin following all four, mailing to the sink (log: $state/logs/bulletin.log)"
start gateway "gateway serving"
echo "gateway: Open311 on http://127.0.0.1:$gateway_port (log: $state/logs/gateway.log)"

echo "== demo: reports through the integration API"
submit() {
  "$ctl" submit "$1" --endpoint "tcp://127.0.0.1:$intake_port" \
    --server-key "$state/keys/intake-server.key.pub" --key-file "$state/keys/$2.key"
}
for f in deploy/local/demo/reports/*.json; do
  case "$(basename "$f")" in
    group-*|media-*) who=demo-inspection-groups ;;
    *) who=demo-web-platform ;;
  esac
  printf '%-40s ' "$(basename "$f")"
  submit "$f" "$who" || true
done
echo
echo "== funnel (received -> valid -> merged -> new problems)"
psql "$base dbname=ducha user=postgres" -qAt -F ' | ' -c \
  "SELECT day, channel, received, valid, merged, new_problems FROM intake.funnel ORDER BY 1, 2"

# Wait until dispatch has assigned everything intake accepted.
for _ in $(seq 1 100); do
  lag=$(psql "$base dbname=ducha user=postgres" -qAt -c "SELECT coalesce((SELECT last_seq FROM intake.stream_head WHERE stream='reports'),0) - coalesce((SELECT applied_seq FROM dispatch.stream_cursor WHERE producer='intake'),0)")
  [ "$lag" = 0 ] && break
  sleep 0.1
done
echo
echo "== 问题清单: 石家庄市 (problem list, as the city receives it)"
"$ctl" problems --city 130100
echo
echo "== 责任清单: 石家庄市 (responsibility list)"
"$ctl" problems --city 130100 --responsibility

echo
echo "== tracking (跟踪整改): coverage, ranking, a body's actions, the clock"
sql() { psql "$base dbname=ducha user=postgres" -qAt -c "$1"; }
# A call to tracking's endpoint as one of the identities created above.
as() {
  local who=$1
  shift
  "$ctl" "$@" --endpoint "tcp://127.0.0.1:$tracking_port" \
    --server-key "$state/keys/tracking.key.pub" --key-file "$state/keys/$who.key"
}
# Wait until tracking has applied every assignment and every visit.
for _ in $(seq 1 100); do
  lag=$(sql "SELECT (SELECT count(*) FROM dispatch.outbox WHERE seq IS NULL)
    + (SELECT count(*) FROM intake.outbox WHERE seq IS NULL)
    + coalesce((SELECT last_seq FROM dispatch.stream_head WHERE stream='assignments'),0)
    - coalesce((SELECT applied_seq FROM tracking.stream_cursor WHERE producer='dispatch' AND stream='assignments'),0)
    + coalesce((SELECT last_seq FROM intake.stream_head WHERE stream='visits'),0)
    - coalesce((SELECT applied_seq FROM tracking.stream_cursor WHERE producer='intake' AND stream='visits'),0)")
  [ "$lag" = 0 ] && break
  sleep 0.1
done
echo "-- coverage of round 3 (督察全覆盖), before the ranking"
as operator-1 coverage --round 3 >"$state/coverage-r3.txt"
tail -n 1 "$state/coverage-r3.txt"
echo "-- the monitoring division's ranking (illustrative figures), the 10 worst are priority"
as operator-1 ranking import deploy/local/demo/ranking-2017-11.csv --priority 10
as operator-1 coverage --round 3 --gaps-only >"$state/coverage-r3.txt"
sed -n '1,5p' "$state/coverage-r3.txt"
echo "   ..."
tail -n 1 "$state/coverage-r3.txt"
echo "-- the air office's key-task list (重点任务清单, illustrative figures) and the bodies' progress"
as operator-1 import tasks deploy/local/demo/key-tasks-2017-11.csv --source "省大气办重点任务清单（演示）"
tail -n +2 deploy/local/demo/key-task-progress-2017-11-22.csv | while IFS=, read -r task done; do
  as demo-bodies act task-progress "$task" --completed "$done" --evidence "doc:demo/$task-1122.pdf" \
    --request-id "demo-task-$task-1122" >/dev/null 2>&1
done
echo "   $(sql "SELECT count(*) FROM tracking.key_task_progress") progress reports; tasks not judged before 5 working days from their start (11-27)"
changan=$(sql "SELECT problem_id FROM dispatch.problem WHERE jurisdiction = 130102 ORDER BY problem_id LIMIT 1")
echo "-- problem $changan in 长安区: the city bureau verifies it, the district reports and asks for time"
# Each action with its own request id (the idempotency key): running it again changes nothing.
as sjz-bureau act verify "$changan" --substantiated yes --explanation "现场核实，工地裸土未覆盖属实" \
  --request-id "demo-verify-$changan"
as changan-gov act progress "$changan" --text "已责令工地停工整改，裸土覆盖完成一半" \
  --request-id "demo-progress-$changan"
as changan-gov act extend "$changan" --days 5 --reason "防尘网采购周期长" \
  --request-id "demo-extend-$changan"
as center-duty-1 act decide "$changan" --approve yes --reason "同意延期5个工作日" \
  --request-id "demo-decide-$changan"
handwritten_max=$(sql "SELECT coalesce(max(problem_id), 0) FROM dispatch.problem")
echo
echo "== the generated weeks of round 3 (ducha-demo, seed ${DUCHA_DEMO_SEED:-2017}): reports from every"
echo "   channel, visits, the bodies' verifications, progress and claims (some late, some never),"
echo "   the bureau's covert re-inspections (some failing), day by day on the fleet clock"
"$bin/demo/ducha-demo" --seed "${DUCHA_DEMO_SEED:-2017}" --reports "${DUCHA_DEMO_REPORTS:-3000}" \
  --first-day 2017-11-22 --days 8 \
  --ref-url "$DUCHA_CTL_DB_URL" --read-url "$DUCHA_CTL_READ_URL" \
  --intake "tcp://127.0.0.1:$intake_port" --intake-key "$state/keys/intake-server.key.pub" \
  --groups-key "$state/keys/demo-inspection-groups.key" --web-key "$state/keys/demo-web-platform.key" \
  --tracking "tcp://127.0.0.1:$tracking_port" --tracking-key "$state/keys/tracking.key.pub" \
  --bodies-key "$state/keys/demo-bodies.key" \
  --review "tcp://127.0.0.1:$review_port" --review-key "$state/keys/review.key.pub" \
  --bureau-key "$state/keys/enforcement-bureau.key" \
  --dispatch "tcp://127.0.0.1:$dispatch_admin_port" --dispatch-key "$state/keys/dispatch.key.pub" \
  --operator-key "$state/keys/operator-1.key"
echo "-- Saturday 2017-12-02, 10:00: the week's bulletin (督察快报) goes out at 09:00"
"$ctl" clock set 2017-12-02T10:00:00+08:00
week_day=$(( $(date -d 2017-12-02 +%s) / 86400 ))
for _ in $(seq 1 600); do
  sent=$(sql "SELECT count(*) > 0 AND bool_and(state = 'sent') FROM bulletin.send s JOIN bulletin.bulletin b USING (issue) WHERE b.cutoff_day = $week_day")
  [ "$sent" = t ] && break
  sleep 0.2
done
"$ctl" bulletin status --week 2017-12-02 | sed -n '1,4s/^/   /p'
echo "   ..."
# The provincial leaders' copy (found by its Message-ID), as HTML (the chart inline) and the PDF.
mkdir -p "$state/demo"
msgid=$(sql "SELECT message_id FROM bulletin.send_status WHERE week = '2017-12-02' AND list = 'provincial' ORDER BY send_no LIMIT 1")
python3 - "$state/mail/new" "$state/demo" "$msgid" <<'PY'
import email, email.policy, pathlib, sys
src, out, msgid = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
for f in sorted(src.iterdir()):
    m = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
    if str(m.get("Message-ID", "")).strip("<> ") != msgid:
        continue
    for part in m.walk():
        if part.get_content_type() == "text/html":
            (out / "bulletin-2017-12-02.html").write_bytes(part.get_payload(decode=True))
        elif part.get_content_type() == "application/pdf":
            (out / "bulletin-2017-12-02.pdf").write_bytes(part.get_payload(decode=True))
    break
PY
ls -l "$state/demo" | sed 's/^/   /'
echo "-- the key tasks on 2017-12-02 (重点任务推进情况): those behind became problems of channel key_task"
as operator-1 tasks >"$state/key-tasks.txt"
sed -n '1,20p' "$state/key-tasks.txt" | sed 's/^/   /'
echo "   ... ($state/key-tasks.txt; ducha-ctl tasks [--city CODE] [--counties])"
echo "-- the public disclosure (信息公开), published now: site, JSON and Atom"
"$ctl" disclosure publish --reason "演示：周报发出后公开" --endpoint "tcp://127.0.0.1:$bulletin_port" \
  --server-key "$state/keys/bulletin.key.pub" --key-file "$state/keys/operator-1.key" | sed 's/^/   /'

echo "-- 30 days later on the fleet clock: warnings, overdue notices and escalations"
"$ctl" clock advance 30d
for _ in $(seq 1 150); do
  [ "$(sql "SELECT count(*) FROM tracking.history WHERE problem_id = $changan AND what = 'overdue'")" != 0 ] && break
  sleep 0.1
done
"$ctl" case "$changan"
echo "-- the clock's events for the hand-written demo problems (those before the generated weeks)"
sql "SELECT problem_id, what, count(*), max(detail) FROM tracking.history WHERE by = 'clock'
     AND problem_id <= $handwritten_max
     GROUP BY problem_id, what ORDER BY problem_id, min(id)" | sed 's/^/   /; s/|/ | /g'
echo "-- and over all $(sql "SELECT count(*) FROM tracking.ledger") problems of the campaign so far"
sql "SELECT what, count(*) FROM tracking.history WHERE by = 'clock' GROUP BY what ORDER BY 2 DESC" |
  sed 's/^/   /; s/|/ | /g'

echo
echo "== review (复查与问责): a claim, its re-inspection, the office's opinion, the audit chain"
# A call to review's endpoint as one of the identities created above.
to_review() {
  local who=$1
  shift
  "$ctl" "$@" --endpoint "tcp://127.0.0.1:$review_port" \
    --server-key "$state/keys/review.key.pub" --key-file "$state/keys/$who.key"
}
# Problem $changan is in 长安区, 石家庄 (130100): co-shijiazhuang is its commissioner office.
echo "-- problem $changan: 长安区 claims it rectified (销号申请); review draws it or accepts the documents"
as changan-gov act claim "$changan" --description "裸土已全部覆盖，工地出口已安装车辆冲洗设施" \
  --evidence "photo:demo/claim-$changan-1.jpg,doc:demo/claim-$changan.pdf" \
  --request-id "demo-claim-$changan"
task=""
for _ in $(seq 1 100); do
  task=$(sql "SELECT task_id || ' ' || state || ' ' || coalesce(group_id, '-') FROM review.task
              WHERE problem_id = $changan ORDER BY task_id DESC LIMIT 1")
  [ -n "$task" ] && break
  sleep 0.1
done
"$ctl" review tasks | sed -n 1,8p
echo "   ... ($(sql "SELECT count(*) FROM review.task") tasks; ducha-ctl review tasks lists them all)"
if [ -z "$task" ]; then
  echo "-- review made no task for problem $changan (see $state/logs/review.log)"
else
  read -r task_id task_state task_group <<<"$task"
  if [ "$task_state" = open ]; then
    echo "-- the enforcement bureau's covert group $task_group re-inspects unannounced (暗访复查): not rectified"
    to_review enforcement-bureau review reinspect "$task_id" --passed no --group "$task_group" \
      --findings "工地东侧裸土仍未覆盖，出口冲洗设施未启用" --request-id "demo-reinspect-$task_id"
    echo "-- 石家庄's commissioner office verifies the failure and gives its opinion (责任认定)"
    to_review co-shijiazhuang review opinion "$changan" --verified yes --facts perfunctory_claim \
      --units 长安区人民政府 --opinion "整改敷衍，复查仍未到位，建议按量化问责规则处理" \
      --request-id "demo-opinion-$changan"
  else
    echo "-- task $task_id is $task_state: not drawn for re-inspection, the claim stands on its documents"
  fi
fi
echo "-- the case with review's lines, and the recommendation (量化问责建议)"
"$ctl" case "$changan" | awk 'NR <= 5 || $2 == "review"'
echo "-- review's history of problem $changan, link by link (审计链)"
"$ctl" audit verify "$changan" || true
echo "-- enterprise credit (企业环境信用), every enterprise named in a problem"
"$ctl" blacklist list --all | sed -n 1,12p
echo "   ... (ducha-ctl blacklist list --all lists them all)"

echo
echo "== 督察快报: the Saturday bulletins the fleet clock has passed, mailed to the SMTP sink"
# Every Saturday since the campaign began is due by now (the clock is a month on); wait until
# each list of each week has its mail.
# The last Saturday on the fleet clock (day 0, 1970-01-01, was a Thursday).
last_saturday="(SELECT d - ((d - 2) % 7) FROM (SELECT ((now_ms + 28800000) / 86400000)::int AS d
                FROM ref.sim_clock) t)"
for _ in $(seq 1 900); do
  done_all=$(sql "SELECT coalesce(max(cutoff_day), 0) >= $last_saturday AND NOT EXISTS (
                    SELECT 1 FROM bulletin.send WHERE state <> 'sent') FROM bulletin.bulletin")
  [ "$done_all" = t ] && break
  sleep 0.2
done
sql "SELECT '第' || issue || '期', week, count(*) FILTER (WHERE state = 'sent') || ' of ' ||
            count(*) || ' lists sent'
       FROM bulletin.send_status GROUP BY issue, week ORDER BY issue DESC LIMIT 4" |
  sed 's/^/   /; s/|/  /g'
echo "   mails in the sink: $(ls "$state/mail/new" 2>/dev/null | wc -l) (each: HTML with the chart inline, text, PDF)"
echo "-- the sends of the latest week (ducha-ctl bulletin status)"
latest_week=$(sql "SELECT max(week) FROM bulletin.send_status")
"$ctl" bulletin status --week "$latest_week" | sed 's/^/   /'

echo
echo "== the fleet (ducha-ctl status)"
"$ctl" status || true

cat <<MSG

Where to look:
  logs        $state/logs/
  mail        $state/mail/new/  (the bulletins, as the SMTP sink received them)
  disclosure  $state/disclosure/current/index.html  (信息公开; round reports in $state/reports/)
  database    psql "$base dbname=ducha user=postgres"   (schemas intake, ref, ...)
  operator    DUCHA_CTL_FLEET="$DUCHA_CTL_FLEET" $ctl status
              DUCHA_CTL_READ_URL="$DUCHA_CTL_READ_URL" $ctl bulletin status
              DUCHA_CTL_DB_URL="$DUCHA_CTL_DB_URL" $ctl keys list
              DUCHA_CTL_READ_URL="$DUCHA_CTL_READ_URL" $ctl problems --city 130100 --csv > list.csv
              DUCHA_CTL_READ_URL="$DUCHA_CTL_READ_URL" $ctl case PROBLEM_ID
  tracking    $ctl coverage --round 3 --endpoint tcp://127.0.0.1:$tracking_port \\
                --server-key $state/keys/tracking.key.pub --key-file $state/keys/operator-1.key
  review      DUCHA_CTL_READ_URL="$DUCHA_CTL_READ_URL" $ctl review tasks | audit verify --all | blacklist list
              $ctl blacklist confirm ENTERPRISE --reason T --endpoint tcp://127.0.0.1:$review_port \\
                --server-key $state/keys/review.key.pub --key-file $state/keys/operator-1.key
  metrics     http://127.0.0.1:$intake_http/metrics  http://127.0.0.1:$dispatch_http/metrics
              http://127.0.0.1:$tracking_http/metrics  http://127.0.0.1:$review_http/metrics
              http://127.0.0.1:$bulletin_http/metrics
  open311     curl -H "X-Api-Key: $(cat $state/keys/demo-web-platform.api-key)" \\
                http://127.0.0.1:$gateway_port/requests.json   (and /services.json, POST /requests.json)
  submit      $ctl submit FILE.json --endpoint tcp://127.0.0.1:$intake_port \\
                --server-key $state/keys/intake-server.key.pub --key-file $state/keys/demo-web-platform.key
MSG

if [ "$once" = 1 ]; then exit 0; fi
echo "Running. Press Ctrl-C to stop."
while true; do sleep 1; done
