# garbage.sh: on /boom, writes a stdout line that is not JSON.
. "$(dirname "$0")/lib.sh"
on_boom() {
	echo "garbage: about to print a banner on stdout" >&2
	printf 'this is not json {\r\n'
}
serve
