#!/usr/bin/env bash
# Run the demo: migrate, seed, then web + Celery worker + beat together.
# Called by `make demo` with DATABASE_URL set (REDIS_URL optional: filesystem broker without it).
#
# Ctrl-C or SIGTERM stops everything within 10 s, at any moment (while migrating and seeding too).
# Each program runs as the leader of a session and process group of its own (setsid), so a signal
# from the terminal reaches this script alone, and stopping a group stops the program with every
# process it made (the worker's pool, gunicorn's workers). Each group is sent TERM, and KILL
# whatever is left after STOP_GRACE seconds (default 8).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
PORT="${PORT:-8000}"
export DEBUG="${DEBUG:-1}"
export REQUIRE_TWO_FACTOR="${REQUIRE_TWO_FACTOR:-0}"  # the published demo logins sign in with a password alone (the sign-in page says so)
LOG_DIR="${VAR_DIR:-var}/log"
STOP_GRACE="${STOP_GRACE:-8}"
# How many children the seeded history since April 2024 gives a CIN episode (seed_demo --children;
# 0 skips the history, which is most of the first start's few minutes).
DEMO_HISTORY_CHILDREN="${DEMO_HISTORY_CHILDREN:-700}"
mkdir -p "$LOG_DIR"

groups=() # the process groups started, each led by (and numbered as) its program

start() { # run "$@" in the background in a new session and process group
  setsid "$@" &
  groups+=("$!")
}

step() { # run "$@" to the end, stoppable like the programs (a foreground one would delay a TERM)
  start "$@"
  wait "$!"
  groups=()
}

mine() { # is pid $1 a program this script started and has not yet reaped (not a reused number)?
  [ "$(ps -o ppid= -p "$1" 2>/dev/null)" -eq $$ ] 2>/dev/null
}

alive() { # is anything left of the groups, or of a program not yet in a group of its own?
  local group
  for group in "${groups[@]}"; do
    if kill -0 -- "-$group" 2>/dev/null || mine "$group"; then
      return 0
    fi
  done
  return 1
}

signal() { # send signal $1 to every group, and to each program not yet in its own group
  local group
  for group in "${groups[@]}"; do
    kill "-$1" -- "-$group" 2>/dev/null || true
    if mine "$group"; then kill "-$1" "$group" 2>/dev/null || true; fi
  done
}

now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; } # microseconds, whatever the locale's decimal point

stop() {
  local status=$1 deadline
  trap '' INT TERM # make passes a TERM on too: a second signal must not cut the stop short
  trap - EXIT
  if ((${#groups[@]})); then
    echo
    echo "Stopping..."
    deadline=$(($(now_us) + STOP_GRACE * 1000000))
    signal TERM
    while alive && (($(now_us) < deadline)); do sleep 0.2; done
    if alive; then
      echo "Still running after ${STOP_GRACE}s: killed."
      signal KILL
    fi
    wait || true
  fi
  exit "$status"
}
trap 'stop 130' INT
trap 'stop 143' TERM
trap 'stop $?' EXIT

step $BIN/python manage.py migrate --no-input
step $BIN/python manage.py seed_demo --children "$DEMO_HISTORY_CHILDREN" # also loads the thresholds

# One worker for every queue (CELERY_TASK_QUEUES in config/settings.py).
start $BIN/celery -A config worker -Q celery,sweeps,exports,mail --loglevel=INFO --concurrency=2 >"$LOG_DIR/worker.log" 2>&1
start $BIN/celery -A config beat --loglevel=INFO >"$LOG_DIR/beat.log" 2>&1
start $BIN/gunicorn -c config/gunicorn.py config.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 \
  --access-logfile "$LOG_DIR/web-access.log" --error-logfile "$LOG_DIR/web.log" \
  --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms' # path only: queries can hold names

cat <<TXT

  Continuum is running at http://127.0.0.1:${PORT}/
  Broker: ${REDIS_URL:-filesystem (var/celery)}    Logs: ${LOG_DIR}/

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
wait -n "${groups[@]}" || true
echo "A demo process stopped: see ${LOG_DIR}/." >&2
exit 1
