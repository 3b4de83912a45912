# once.sh: a driver that starts once: later starts (after a restart) die at hello.
# On /boom it exits, so the harness has to restart it. $ONCE_STATE is a file path.
if [ -e "$ONCE_STATE" ]; then
	echo "once: refusing a second start" >&2
	exit 4
fi
: >"$ONCE_STATE"
. "$(dirname "$0")/lib.sh"
on_boom() { exit 3; }
serve
