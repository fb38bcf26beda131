#!/usr/bin/env bash
# Builds the fuzz targets (Tests/Fuzz) with libFuzzer from the dependency-free sources they
# cover, then either replays the committed corpora (`replay`, what `make test` runs) or fuzzes
# each target for SECONDS (`make fuzz FUZZ_SECONDS=…`), adding what it finds to the corpus.
# usage: deploy/local/fuzz.sh replay | deploy/local/fuzz.sh run SECONDS [TARGET…]
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-replay}
out=.build/fuzz
mkdir -p "$out"
sources=(Shared/Contracts/*.swift Shared/Contracts/*/*.swift Shared/WireCodec/*.swift Shared/Validation/*.swift Shared/ExternalHTTP/FormEncoding.swift
         Shared/DNS/DNSMessage.swift
         Tests/Fuzz/*.swift)
binary=$out/hostwire-fuzz
if [ ! -x "$binary" ] || [ -n "$(find "${sources[@]}" -newer "$binary" 2>/dev/null | head -1)" ]; then
  swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name HostwireFuzz "${sources[@]}" -o "$binary" \
    >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
fi
targets=(envelope wire-text form validation query dns-answer)
case "$mode" in
  replay)
    for target in "${targets[@]}"; do
      corpus=Tests/Fuzz/Corpus/$target
      count=$(find "$corpus" -type f | wc -l)
      HOSTWIRE_FUZZ_TARGET=$target "$binary" -runs=0 "$corpus" >"$out/$target.log" 2>&1 ||
        { cat "$out/$target.log"; echo "fuzz replay of $target failed"; exit 1; }
      echo "fuzz corpus $target: $count inputs replayed, no finding"
    done ;;
  run)
    seconds=${2:?usage: fuzz.sh run SECONDS [TARGET…]}; shift 2
    [ $# -eq 0 ] || targets=("$@")
    for target in "${targets[@]}"; do
      mkdir -p "$out/found-$target"
      HOSTWIRE_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -artifact_prefix="$out/found-$target/" \
        -max_len=4096 "Tests/Fuzz/Corpus/$target"
    done ;;
  *) echo "usage: $0 replay | run SECONDS [TARGET…]" >&2; exit 2 ;;
esac
