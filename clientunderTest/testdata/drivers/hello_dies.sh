# hello_dies.sh: reads hello, then dies without answering.
IFS= read -r line
echo "hello_dies: cannot load the client library" >&2
exit 2
