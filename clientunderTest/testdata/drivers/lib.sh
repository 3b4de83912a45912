# lib.sh: a minimal protocol-v1 driver in POSIX sh, shared by the deliberately
# broken drivers the Process adapter's tests run. A driver sources it, overrides
# on_boom (what it does wrong when a request's path starts with /boom) or another
# hook, and calls serve. Requests to paths starting with /hold are never answered;
# every other request gets 200 with its path echoed.
# It relies on the harness writing "id" first on every command line.

reply() { printf '%s\n' "$1"; }

answer_request() {
	printf '{"id":%s,"status":200,"body":{"path":"%s"}}\n' "$id" "$path"
}

on_boom() { answer_request; }

on_shutdown() {
	reply "{\"id\":$id,\"ok\":true}"
	exit 0
}

on_request() {
	case $path in
	/hold*) ;;
	/boom*) on_boom ;;
	*) answer_request ;;
	esac
}

serve() {
	while IFS= read -r line; do
		rest=${line#\{\"id\":}
		id=${rest%%,*}
		case $line in
		*'"cmd":"hello"'*) reply "{\"id\":$id,\"name\":\"${0##*/}\",\"version\":\"1\",\"features\":[]}" ;;
		*'"cmd":"init"'*) reply "{\"id\":$id,\"ok\":true}" ;;
		*'"cmd":"login"'*) reply "{\"id\":$id,\"status\":200,\"body\":{\"accessToken\":\"t\"}}" ;;
		*'"cmd":"logout"'*) reply "{\"id\":$id,\"status\":204,\"body\":null}" ;;
		*'"cmd":"shutdown"'*) on_shutdown ;;
		*'"cmd":"request"'*)
			path=${line#*\"path\":\"}
			path=${path%%\"*}
			on_request
			;;
		*) reply "{\"id\":$id,\"error\":\"unsupported\"}" ;;
		esac
	done
}
