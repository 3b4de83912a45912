# stubborn.sh: ignores shutdown and stdin EOF, traps SIGTERM, and keeps a
# background child: only killing its whole process group ends it.
. "$(dirname "$0")/lib.sh"
trap '' TERM
sleep 300 &
on_shutdown() { echo "stubborn: ignoring shutdown" >&2; }
serve
echo "stubborn: stdin closed, staying anyway" >&2
while :; do sleep 1; done
