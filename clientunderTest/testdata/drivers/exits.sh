# exits.sh: on /boom, exits with status 3 mid-scenario.
. "$(dirname "$0")/lib.sh"
on_boom() {
	echo "exits: giving up" >&2
	exit 3
}
serve
