#!/bin/sh
# storm.sh — the seed tutorial's app pattern, for watching in tokenclock serve's web
# console: the bundled axios-seed client (one interceptor, no single flight) logs in
# once, then sends five requests at once every two seconds. Expire the access token
# in the console and watch five 401s bring five refreshes.
#
# Run from the repository root, with `tokenclock serve --seed-user
# 'Ada:ada@example.test:correct horse'` running and `make node-deps` done:
#
#   docs/examples/console-storm/storm.sh [API-URL]     (default http://127.0.0.1:8088)
#
# ROUNDS=N stops after N rounds (default: until Ctrl-C); INTERVAL=S waits S seconds
# before each round, and after the last, instead of 2 (more time to click). The
# client's answers, one JSON line per request, are printed as they come, tokens
# shortened to <token>.
set -eu
api=${1:-http://127.0.0.1:8088}
rounds=${ROUNDS:-0}
interval=${INTERVAL:-2}
{
  echo '{"id":0,"cmd":"hello","protocol":1}'
  echo "{\"id\":1,\"cmd\":\"init\",\"baseURL\":\"$api\",\"scenario\":\"storm\"}"
  echo '{"id":2,"cmd":"login","email":"ada@example.test","password":"correct horse"}'
  id=3 round=0
  while [ "$rounds" -eq 0 ] || [ "$round" -lt "$rounds" ]; do
    sleep "$interval"
    for _ in 1 2 3 4 5; do
      echo "{\"id\":$id,\"cmd\":\"request\",\"method\":\"GET\",\"path\":\"/api/auth/me\"}"
      id=$((id + 1))
    done
    round=$((round + 1))
  done
  sleep "$interval" # the last answers
  echo "{\"id\":$id,\"cmd\":\"shutdown\"}"
} | node clientunderTest/node/kit/run.mjs clientunderTest/node/adapters/axios-seed.mjs |
  awk '{ gsub(/eyJ[A-Za-z0-9_.-]+/, "<token>"); print; fflush() }' # line by line, even into a file
