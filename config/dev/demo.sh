#!/usr/bin/env bash
# Run the demo: migrate, seed, then web + Celery worker + beat together. Ctrl-C stops all three.
# Called by `make demo` with DATABASE_URL set (REDIS_URL optional: filesystem broker without it).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
PORT="${PORT:-8000}"
export DEBUG="${DEBUG:-1}"
mkdir -p var/log

$BIN/python manage.py migrate --no-input
$BIN/python manage.py seed_demo  # also loads the default threshold document

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping web, worker and beat..."
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

$BIN/celery -A config worker --loglevel=INFO --concurrency=2 >var/log/worker.log 2>&1 &
pids+=($!)
$BIN/celery -A config beat --loglevel=INFO >var/log/beat.log 2>&1 &
pids+=($!)
$BIN/gunicorn config.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 \
  --access-logfile var/log/web-access.log --error-logfile var/log/web.log \
  --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms' &  # path only: queries can hold names
pids+=($!)

cat <<TXT

  Continuum is running at http://127.0.0.1:${PORT}/
  Broker: ${REDIS_URL:-filesystem (var/celery)}    Logs: var/log/

  Demo logins (password: ${DEMO_PASSWORD:-continuum-demo})
    fh.worker           family help worker (North)   fh.worker.south     family help worker (South)
    social.worker       social worker (North)        social.worker.south social worker (South)
    ecpp                expert CP practitioner       mash.manager        MASH (front-door) manager
    team.manager        team manager                 ehh.manager         Early Help Hub manager
    school.dsl          partner: school DSL          head.teacher        partner: head teacher
    health.visitor      partner: health visitor      service.manager     service manager (ladder rung 4)
    head.of.service     head of service (rung 5)     director            director (rung 6)
    auditor             auditor                      admin               administrator

  API docs: http://127.0.0.1:${PORT}/api/docs/    Health: http://127.0.0.1:${PORT}/healthz
  Press Ctrl-C to stop web, worker and beat.

TXT
wait -n "${pids[@]}"
echo "A demo process stopped: see var/log/." >&2
exit 1
