# detached.sh: a well-behaved driver that starts a child outside its process group
# (setsid, as Node's spawn(..., {detached: true}) does for a browser) which ignores
# SIGTERM: only the adapter's driver tag finds it once the group is gone.
. "$(dirname "$0")/lib.sh"
setsid sh -c 'trap "" TERM; exec sleep 301' </dev/null >/dev/null 2>&1 &
serve
