# hello_garbage.sh: answers hello with a banner instead of JSON.
IFS= read -r line
echo "hello_garbage: printing a banner" >&2
echo "Welcome to the driver, version 1"
while IFS= read -r line; do :; done
