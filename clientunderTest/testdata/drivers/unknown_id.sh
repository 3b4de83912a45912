# unknown_id.sh: on /boom, replies with an id the harness never sent.
. "$(dirname "$0")/lib.sh"
on_boom() {
	echo "unknown_id: replying to 424242" >&2
	reply '{"id":424242,"status":200,"body":null}'
}
serve
