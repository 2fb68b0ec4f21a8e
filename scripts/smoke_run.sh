#!/usr/bin/env bash
# Clone the repository, `make run` it on the embedded default, and check that `/` lists real
# entries and that a task round-trips through the worker; then stop everything.
set -euo pipefail
src=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
port=${SMOKE_PORT:-18765}
# Ctrl-C, as a person stops it; the clone is removed once everything has exited.
trap 'kill -INT -- -$pid 2>/dev/null; for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done; rm -rf "$work"' EXIT

git clone -q "$src" "$work/depcal"
cd "$work/depcal"
setsid make run PORT="$port" > "$work/run.log" 2>&1 &
pid=$!

for i in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$port/" -o "$work/home.html" 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "smoke: make run exited early"; cat "$work/run.log"; exit 1; fi
  sleep 1
done
grep -q "chatgpt-4o-latest" "$work/home.html" || { echo "smoke: / does not list chatgpt-4o-latest"; tail -50 "$work/run.log"; exit 1; }
echo "smoke: / answered after ${i}s and lists chatgpt-4o-latest"
curl -fsS "http://127.0.0.1:$port/admin/login/" -o /dev/null
echo "smoke: /admin/ answers"
.venv/bin/python -c "
from depcal.celery import app
print('smoke: task round-trip:', app.send_task('deprecations.tasks.ping').get(timeout=120))
" || { echo "smoke: no task round-trip; the services said:"; tail -80 "$work/run.log"; exit 1; }
echo "smoke: ok"
