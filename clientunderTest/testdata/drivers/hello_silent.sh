# hello_silent.sh: reads everything, never answers, not even hello.
echo "hello_silent: thinking" >&2
while IFS= read -r line; do :; done
