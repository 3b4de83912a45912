# flood.sh: on /boom, floods stdout with an endless line that never ends.
. "$(dirname "$0")/lib.sh"
on_boom() {
	echo "flood: flooding stdout" >&2
	tr '\0' x </dev/zero
}
serve
