# cleanup.sh: breaks the protocol on /boom, then ignores stdin EOF; on SIGTERM it
# cleans up (says so on stderr) and exits, as a driver that started a browser would.
. "$(dirname "$0")/lib.sh"
trap 'echo "cleanup: SIGTERM, closing what I started" >&2; exit 0' TERM
on_boom() { printf 'not json\n'; }
serve
while :; do sleep 0.05; done
