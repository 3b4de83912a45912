# stderr_spam.sh: on /boom, writes 10 MB to stderr without a newline, then answers.
. "$(dirname "$0")/lib.sh"
on_boom() {
	echo "spam: start" >&2
	head -c 10000000 /dev/zero | tr '\0' e >&2
	echo "spam: done" >&2
	answer_request
}
serve
