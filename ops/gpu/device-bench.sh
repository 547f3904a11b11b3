#!/usr/bin/env bash
# The GPU benchmark in one go, for a machine with an NVIDIA GPU, nvcc and Python with numpy but no Java and no
# network: builds llama.cpp v0.5.0 with CUDA (build-cuda.sh), writes random-weight GGUFs of real shapes
# (make-gguf.py), then runs llama-batched-bench and `parley bench engine` on the same model and the same shape of
# work, one model after another while time is left, writing everything under OUT.
#
# usage: ops/gpu/device-bench.sh CARRY OUT
#   CARRY holds llama-src.tar.xz (the release's source tree), jre.tar.xz (a jlink-ed JVM, folder jre/), jars/ or
#   jars.tar.xz (the bench's runtime class path, jars stored uncompressed so xz packs them) and these scripts;
#   ops/gpu/pack-carry.sh makes them. BUDGET_S (default 540) bounds the whole run. Other knobs, as environment:
#   MODELS (shape:type list), NPL (concurrency list), LAYOUTS (Parley's KV layouts, default per-sequence),
#   PREFILL (prefill chunk), SERVER=1 (also build llama-server, copied to OUT when it fits), WARM=N (after the first
#   model's first layout: N conversations x 6 turns on WARM_SLOTS slots, in-process engine against llama-server),
#   SAMPLED=1 (each layout also sampled: temperature 0.7, top-p 0.95), NO_POOL=1 (each layout also with ggml's
#   per-graph threads, --no-thread-pool, against the persistent pool).
set -uo pipefail
CARRY="$(cd "$1" && pwd)"; OUT="$2"; BUDGET="${BUDGET_S:-540}"; ARCH="${ARCH:-90}"
START=$SECONDS
left() { echo $(( BUDGET - (SECONDS - START) )); }
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
W=/tmp/parley-gpu; mkdir -p "$W/models" "$W/src"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; nvcc --version | tail -2; nproc

tar -xf "$CARRY/llama-src.tar.xz" -C "$W/src"
( tar -xf "$CARRY/jre.tar.xz" -C "$W"
  if [[ -f "$CARRY/jars.tar.xz" ]]; then mkdir -p "$W/jars" && tar -xf "$CARRY/jars.tar.xz" -C "$W/jars"; else ln -s "$CARRY/jars" "$W/jars"; fi ) &
JRE=$!
MODELS="${MODELS:-llama-3.2-1b:q8_0 smollm2-135m:q8_0 llama-3.2-1b:q4_0 llama-3.1-8b:q4_0}"
( for spec in $MODELS; do
    shape="${spec%:*}"; type="${spec#*:}"
    python3 "$CARRY/make-gguf.py" --gguf-py "$W/src/gguf-py" --shape "$shape" --type "$type" "$W/models/$shape-$type.gguf" \
      && echo "model $shape-$type: $(du -m "$W/models/$shape-$type.gguf" | cut -f1) MB"
  done ) &
GEN=$!
if ls "$CARRY"/llama-cuda.tar.xz.* >/dev/null 2>&1 && [[ ! -f "$W/llama-cuda/llama-batched-bench" ]]; then
  cat "$CARRY"/llama-cuda.tar.xz.* | xz -d | tar -xf - -C "$W" && echo "using the carried build"
fi
if [[ ! -f "$W/llama-cuda/llama-batched-bench" ]]; then
  BUILD_DIR="$W/build-root" bash "$CARRY/build-cuda.sh" --source "$W/src" --out "$W/llama-cuda" --arch "$ARCH" \
    --jobs "$(nproc)" ${SERVER:+--server} 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] Building' || true
fi
wait $JRE $GEN  # not a bare wait: that would also wait for the tee above
echo "build and models ready after $((SECONDS - START)) s"
[[ -f "$W/llama-cuda/llama-batched-bench" ]] || { echo "build failed"; exit 1; }
nvidia-smi --query-gpu=timestamp,memory.used --format=csv -lms 1000 > "$OUT/vram.csv" &
SMI=$!

NPL="${NPL:-1,8,32,64,128}"; SLOTS=128; CTX_PER_SLOT=1024; TG=128
# peak resident memory of a command, polled (no /usr/bin/time there)
peak() { "$@" & local pid=$! hwm=0; while kill -0 $pid 2>/dev/null; do
    h=$(for p in $pid $(pgrep -P $pid); do awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null; done | sort -n | tail -1)
    [[ -n "$h" ]] && (( h > hwm )) && hwm=$h; sleep 0.5; done
  wait $pid; local rc=$?; echo "peak RSS $((hwm / 1024)) MiB (rc $rc)"; }
for spec in $MODELS; do
  m="$W/models/${spec%:*}-${spec#*:}.gguf"
  [[ -f "$m" ]] || continue
  if (( $(left) < 90 )); then echo "skipped $spec: $(left) s left"; continue; fi
  if [[ -z "${SKIP_BASELINE:-}" ]]; then
  echo "=== $spec: llama-batched-bench ($(left) s left)"
  { echo; echo "## $spec"; echo; echo '```'; } >> "$OUT/baseline.md"
  peak timeout $(( $(left) - 60 )) "$W/llama-cuda/llama-batched-bench" -m "$m" -c $((SLOTS * CTX_PER_SLOT)) -b 2048 -ub 512 \
    -ngl 99 -npp 256 -ntg $TG -npl "$NPL" 2>&1 | grep -E '^\|| t/s|peak|error|CUDA' | tee -a "$OUT/baseline.md"
  echo '```' >> "$OUT/baseline.md"
  fi
  for layout in ${LAYOUTS:-per-sequence}; do
    if (( $(left) < 40 )); then echo "skipped parley $spec $layout: $(left) s left"; continue; fi
    for variant in greedy ${SAMPLED:+sampled} ${NO_POOL:+no-pool}; do
    if (( $(left) < 40 )); then echo "skipped parley $spec $layout $variant: $(left) s left"; continue; fi
    case $variant in sampled) extra="--temperature 0.7 --top-p 0.95";; no-pool) extra="--no-thread-pool";; *) extra="";; esac
    echo "=== $spec: parley bench engine, KV $layout, $variant ($(left) s left)"
    peak timeout $(( $(left) - 10 )) "$W/jre/bin/java" -Xmx2g -cp "$W/jars/*" dev.parley.bench.engine.EngineBenchCommand \
      --model "$m" --gpu "${GPU:-cuda}" --llama-lib-dir "$W/llama-cuda" --concurrency "$NPL" --turns 2 --tokens $TG \
      --prompt-chars 256 --context-per-slot $CTX_PER_SLOT --batch-size 2048 --micro-batch-size 512 \
      --prefill-chunk "${PREFILL:-256}" --kv-layout "$layout" $extra --out "$W/eb-$spec-$layout-$variant" \
      2>&1 | grep -vE ' DEBUG ' | grep -E 'N=|engine steps|engine bench|Loaded|thread pool|llama.cpp 0|peak|ERROR|Exception|WARN'
    [[ -f "$W/eb-$spec-$layout-$variant/engine-bench.md" ]] && { echo; echo "## $spec, KV $layout, $variant"; \
      sed 1d "$W/eb-$spec-$layout-$variant/engine-bench.md"; } >> "$OUT/engine.md"
    done
    if [[ -n "${WARM:-}" && -f "$W/llama-cuda/llama-server" && -z "${WARM_DONE:-}" ]] && (( $(left) > 60 )); then
      WARM_DONE=1
      echo "=== $spec: warm workload, in-process engine against llama-server ($(left) s left)"
      timeout $(( $(left) - 10 )) "$W/jre/bin/java" -Xmx4g -cp "$W/jars/*" dev.parley.bench.engine.EngineBenchCommand \
        --model "$m" --gpu "${GPU:-cuda}" --llama-lib-dir "$W/llama-cuda" --concurrency "${WARM_SLOTS:-32}" \
        --context-per-slot 2048 --batch-size 2048 --micro-batch-size 512 --prefill-chunk "${PREFILL:-256}" \
        --warm-conversations "$WARM" --warm-tokens "${WARM_TOKENS:-64}" --llama-server "$W/llama-cuda/llama-server" \
        --llama-server-arg=-ngl --llama-server-arg=99 --out "$W/warm-$spec" 2>&1 \
        | grep -vE ' DEBUG ' | grep -E 'engine|llama-server|Parley|ERROR|Exception|turns answered' | cut -c1-400
      [[ -f "$W/warm-$spec/warm-report.md" ]] && cp "$W/warm-$spec/warm-report.md" "$OUT/warm-report.md"
      [[ -f "$W/warm-$spec/llama-server.log" ]] && tail -c 200000 "$W/warm-$spec/llama-server.log" > "$OUT/llama-server.log"
    fi
  done
done
if [[ -n "${SERVER:-}" && -z "${NO_ARCHIVE:-}" && -f "$W/llama-cuda/llama-server" ]]; then
  # the build, for later calls (each machine starts bare): only when it is small enough to travel back
  tar -C "$W" -cf - llama-cuda | xz -T0 -6 > "$W/llama-cuda.tar.xz"
  size=$(stat -c %s "$W/llama-cuda.tar.xz"); echo "build archive: $((size >> 20)) MiB"
  (( size < 30 * 1024 * 1024 )) && split -b 15M -d "$W/llama-cuda.tar.xz" "$OUT/llama-cuda.tar.xz."
fi
kill $SMI 2>/dev/null
echo "done after $((SECONDS - START)) s"
