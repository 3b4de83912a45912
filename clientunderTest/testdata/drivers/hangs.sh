# hangs.sh: holds /boom unanswered until a /release request arrives, then answers
# the held one first (by then the harness has given up on it) and the release.
. "$(dirname "$0")/lib.sh"
held=
on_boom() {
	echo "hangs: holding #$id" >&2
	held=$id
}
on_request() {
	case $path in
	/boom*) on_boom ;;
	/release*)
		[ -n "$held" ] && printf '{"id":%s,"error":"aborted"}\n' "$held"
		held=
		answer_request
		;;
	*) answer_request ;;
	esac
}
serve
