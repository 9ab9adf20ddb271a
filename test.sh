#!/usr/bin/env bash
# The one test command: installs what the tests need when it is missing, builds, runs every test
# project of Nvo3.slnx, and ends with one line "N passed, N failed, N skipped".
# Usage: ./test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Vxlan]
set -uo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use: tshark dissects captures, etcd-server backs the etcd store,
# iperf3/arping/iproute2/ping drive the netns lab and bench netns; QEMU, qemu-img, a guest kernel
# and a static busybox make and run the QEMU guests; headless chromium opens the demo's HTML
# report. Each is probed by a command it installs, or by a path (a glob) when it installs no command.
packages=(tshark etcd-server iperf3 arping iproute2 iputils-ping qemu-system-x86 qemu-utils linux-image-cloud-amd64 busybox-static chromium)
commands=(tshark etcd iperf3 arping ip ping qemu-system-x86_64 qemu-img '/boot/vmlinuz-*-cloud-amd64' /usr/share/doc/busybox-static chromium)
missing=()
for i in "${!packages[@]}"; do
  probe=${commands[$i]}
  if [[ $probe == /* ]]; then
    # shellcheck disable=SC2086 # the glob is meant to expand
    ls -d $probe >/dev/null 2>&1 || missing+=("${packages[$i]}")
  else
    command -v "$probe" >/dev/null 2>&1 || missing+=("${packages[$i]}")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || { echo "test.sh: apt-get could not install ${missing[*]}" >&2; exit 1; }
  else
    echo "test.sh: not root, so ${missing[*]} stay missing; the tests that need them will skip." >&2
  fi
fi

results=.test-results
rm -rf "$results"
mkdir -p "$results"

dotnet build Nvo3.slnx -c Release -warnaserror -nologo -v quiet || { echo "test.sh: the build failed" >&2; exit 1; }

# Test projects run one at a time (-m:1): the lab tests measure timing-sensitive moves and
# should not share two cores with the etcd and tshark suites.
touch "$results/.started"
dotnet test Nvo3.slnx -c Release --no-build --nologo -m:1 \
  --blame-hang-timeout 5m \
  --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" "$@" 2>&1 | tee "$results/log.txt"
status=${PIPESTATUS[0]}

# A test host the blame collector killed cannot take its netns lab down; do it here, for the labs
# this run made (their state directories are the tests' own, /tmp/nvo3-lab-PREFIX).
for dir in $(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'nvo3-lab-*' -newer "$results/.started" -type d 2>/dev/null); do
  echo "test.sh: a lab was left behind in $dir; taking it down"
  dotnet src/Nvo3.Cli/bin/Release/net10.0/nvo3.dll lab netns down --prefix "${dir##*/nvo3-lab-}" --state-dir "$dir" || true
done

# Sum the counters of every project's TRX file (skipped tests count as notExecuted there).
read -r passed failed skipped < <(cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*' | awk '
  { for (i = 2; i <= NF; i++) { split($i, kv, "="); gsub(/"/, "", kv[2]); c[kv[1]] += kv[2] } }
  END { printf "%d %d %d\n", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], c["notExecuted"] }')
# A run that ended early (a crash, a hang the blame collector cut) is a failure even though the
# tests it finished passed.
aborted=$(grep -c '^Test Run Aborted' "$results/log.txt")
if [ "$aborted" -ne 0 ]; then
  echo "test.sh: $aborted test run(s) ended early; what they were running:"
  grep -E -B 2 -A 4 'Test Run Aborted|The test running when the crash occurred' "$results/log.txt" | head -60
fi

# A CI log is often read from its end: repeat every failure (name, message, first stack lines) here.
if [ "${failed:-0}" -ne 0 ]; then
  echo "test.sh: the failures, as the test run printed them:"
  grep -E -A 25 '^[[:space:]]+Failed [A-Za-z]' "$results/log.txt" | grep -v -E '^[[:space:]]+Passed ' | head -200
fi
summary="${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
[ "$aborted" -ne 0 ] && summary="$summary, $aborted run(s) aborted"
echo "$summary"
if [ "$status" -ne 0 ] || [ "${failed:-0}" -ne 0 ] || [ "$aborted" -ne 0 ]; then
  exit 1
fi
