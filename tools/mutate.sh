#!/usr/bin/env bash
# Mutation testing of one or more areas (nva, nve, ila, migration, or all): builds the tool and
# the test projects the areas use (Release), then runs nvo3-mutate, which writes
# artifacts/mutation/AREA.txt and AREA.json. Slow (minutes to an hour per area on 2 cores), so it
# is not part of ./test.sh. Usage: tools/mutate.sh AREA [AREA...] [-- extra nvo3-mutate options]
# See docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
areas=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do areas+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#areas[@]} -gt 0 ] || { echo "usage: tools/mutate.sh nva|nve|ila|migration|all ... [-- options]" >&2; exit 2; }

declare -A tests=([nva]="Nvo3.Nva.Tests" [nve]="Nvo3.Nve.Tests" [ila]="Nvo3.Packets.Tests Nvo3.Nve.Tests" [migration]="Nvo3.Migration.Tests")
projects=()
for area in "${areas[@]}"; do
  if [ "$area" = all ]; then projects+=(Nvo3.Nva.Tests Nvo3.Nve.Tests Nvo3.Packets.Tests Nvo3.Migration.Tests); else projects+=(${tests[$area]:?unknown area $area}); fi
done
dotnet build tools/Nvo3.Mutation -c Release -warnaserror -nologo -v quiet
for p in $(printf '%s\n' "${projects[@]}" | sort -u); do
  dotnet build "tests/$p" -c Release -warnaserror -nologo -v quiet
done
args=()
for area in "${areas[@]}"; do args+=(--area "$area"); done
exec dotnet tools/Nvo3.Mutation/bin/Release/net10.0/Nvo3.Mutation.dll "${args[@]}" "$@"
