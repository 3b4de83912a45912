# duplicate_id.sh: on /boom, replies a second time to hello (id 0, answered long ago).
. "$(dirname "$0")/lib.sh"
on_boom() {
	echo "duplicate_id: replying to hello again" >&2
	reply '{"id":0,"name":"again","version":"1","features":[]}'
}
serve
