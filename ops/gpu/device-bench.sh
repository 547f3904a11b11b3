#!/usr/bin/env bash
# The GPU benchmark in one go, for a machine with an NVIDIA GPU, nvcc and Python with numpy but no Java and no
# network: builds llama.cpp v0.5.0 with CUDA (build-cuda.sh), writes random-weight GGUFs of real shapes
# (make-gguf.py), then runs llama-batched-bench and `parley bench engine` on the same model and the same shape of
# work, one model after another while time is left, and once the same closed loop through Kafka and Redis on the
# same machine, writing everything under OUT.
#
# usage: ops/gpu/device-bench.sh CARRY OUT
#   CARRY holds llama-src.tar.xz (the release's source tree), jre.tar.xz (a jlink-ed JVM, folder jre/), jars/ or
#   jars.tar.xz (the bench's runtime class path, jars stored uncompressed so xz packs them), redis-server.xz and
#   these scripts; ops/gpu/pack-carry.sh makes them. BUDGET_S (default 540) bounds the whole run. Other knobs, as
#   environment: MODELS (shape:type list, or paths of GGUF files), NPL (concurrency list), TOKENS (per answer,
#   default 128), LAYOUTS (Parley's KV
#   layouts, default per-sequence), PREFILL (prefill chunk, default 2048: the worker's default on a GPU), KAFKA=N
#   (default 64, 0 skips it: after the first model's first layout, N conversations in-process and then through
#   Kafka, an in-JVM broker and the carried redis-server, with a worker over the same engine, in one JVM: the
#   ratio in kafka.md), LLAMA_LIB=DIR (a llama.cpp build to use instead of building one: with GPU=none,
#   SKIP_BASELINE=1 and MODELS=a GGUF file, a dry run on a machine without a GPU), SERVER=1 (also build
#   llama-server, copied to OUT when it fits), WORK_DIR (scratch, default /tmp/parley-gpu), WARM=N (after the first
#   model's first layout: N conversations x 6 turns on WARM_SLOTS slots, in-process engine against llama-server;
#   without SERVER=1, the engine's side alone; WARM_B=1 then also the engine's side with jars-b's classes, into
#   warm-report-b.md),
#   SAMPLED=1 (each layout also sampled: temperature 0.7, top-p 0.95), HOST_SAMPLING=1 (each variant also sampled
#   on the host, --device-sampling off, beside the default: on the device on a GPU), NO_POOL=1 (each layout also with ggml's
#   per-graph threads, --no-thread-pool, against the persistent pool), NO_PAD=1 (greedy also with --gap-padding off:
#   the gaps between a step's sequences left unfilled). HOST_SAMPLING's greedy-host is `--device-sampling off`.
#   SNAPSHOT_COPY=1 first times a KV snapshot's copy into fresh, reused and page-locked host memory and back
#   (snapshot-copy.cu, nvcc only, seconds), into snapshot-copy.md. VARIANTS="greedy b-greedy-host ..." runs those
#   variants in that order instead; a b- variant runs with the Parley jars of jars-b.tar.xz (another commit's
#   parley-*.jar, say) ahead of the class path, for an A/B of two builds in one call.
set -uo pipefail
CARRY="$(cd "$1" && pwd)"; OUT="$2"; BUDGET="${BUDGET_S:-540}"; ARCH="${ARCH:-90}"
START=$SECONDS
left() { echo $(( BUDGET - (SECONDS - START) )); }
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
W="${WORK_DIR:-/tmp/parley-gpu}"; mkdir -p "$W/models" "$W/src"
if [[ -n "${SNAPSHOT_COPY:-}" && -f "$CARRY/snapshot-copy.cu" ]]; then
  { command -v nvcc >/dev/null || export PATH="/usr/local/cuda/bin:$PATH"; } && \
    nvcc -O2 -o "$W/snapshot-copy" "$CARRY/snapshot-copy.cu" && \
    { "$W/snapshot-copy" 86 16 9; "$W/snapshot-copy" 16 16 9; } | tee "$OUT/snapshot-copy.md"
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
command -v nvcc >/dev/null && nvcc --version | tail -2; nproc; free -g | head -2
LIB="${LLAMA_LIB:-$W/llama-cuda}"; PREFILL="${PREFILL:-2048}"; KAFKA="${KAFKA:-64}"

tar -xf "$CARRY/llama-src.tar.xz" -C "$W/src"
( tar -xf "$CARRY/jre.tar.xz" -C "$W"
  [[ -f "$CARRY/jars-b.tar.xz" ]] && mkdir -p "$W/jars-b" && tar -xf "$CARRY/jars-b.tar.xz" -C "$W/jars-b"
  if [[ -f "$CARRY/jars.tar.xz" ]]; then mkdir -p "$W/jars" && tar -xf "$CARRY/jars.tar.xz" -C "$W/jars"; else ln -sfn "$CARRY/jars" "$W/jars"; fi
  if [[ -f "$CARRY/redis-server.xz" ]]; then
    xz -dc "$CARRY/redis-server.xz" > "$W/redis-server.bin" && chmod +x "$W/redis-server.bin"
    ln -sf "$W/redis-server.bin" "$W/redis-server"
    if ldd "$W/redis-server.bin" | grep -q "not found" && [[ -f "$CARRY/redis-libs.tar.xz" ]]; then
      # no OpenSSL 3 here: the carried libraries, for redis-server only
      tar -xf "$CARRY/redis-libs.tar.xz" -C "$W" && rm "$W/redis-server"
      printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$W/redis-libs" "$W/redis-server.bin" > "$W/redis-server"
      chmod +x "$W/redis-server"
    fi
    echo "redis-server: $("$W/redis-server" --version 2>&1 | cut -c1-80)"
  fi ) &
JRE=$!
MODELS="${MODELS:-llama-3.2-1b:q8_0 smollm2-135m:q8_0 llama-3.2-1b:q4_0 llama-3.1-8b:q4_0}"
( for spec in $MODELS; do
    [[ "$spec" == *.gguf ]] && continue  # a file given as it is
    shape="${spec%:*}"; type="${spec#*:}"
    python3 "$CARRY/make-gguf.py" --gguf-py "$W/src/gguf-py" --shape "$shape" --type "$type" "$W/models/$shape-$type.gguf" \
      && echo "model $shape-$type: $(du -m "$W/models/$shape-$type.gguf" | cut -f1) MB"
  done ) &
GEN=$!
if [[ -z "${LLAMA_LIB:-}" ]] && ls "$CARRY"/llama-cuda.tar.xz.* >/dev/null 2>&1 && [[ ! -f "$W/llama-cuda/llama-batched-bench" ]]; then
  cat "$CARRY"/llama-cuda.tar.xz.* | xz -d | tar -xf - -C "$W" && echo "using the carried build"
fi
if [[ -z "${LLAMA_LIB:-}" && ! -f "$W/llama-cuda/llama-batched-bench" ]]; then
  BUILD_DIR="$W/build-root" bash "$CARRY/build-cuda.sh" --source "$W/src" --out "$W/llama-cuda" --arch "$ARCH" \
    --jobs "$(nproc)" ${SERVER:+--server} 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] Building' || true
fi
wait $JRE $GEN  # not a bare wait: that would also wait for the tee above
echo "build and models ready after $((SECONDS - START)) s"
[[ -n "${LLAMA_LIB:-}" || -f "$W/llama-cuda/llama-batched-bench" ]] || { echo "build failed"; exit 1; }
SMI=""
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=timestamp,memory.used --format=csv -lms 1000 > "$OUT/vram.csv" & SMI=$!
fi

NPL="${NPL:-1,8,32,64,128}"; SLOTS=128; CTX_PER_SLOT=1024; TG="${TOKENS:-128}"
# peak resident memory of a command, polled (no /usr/bin/time there)
peak() { "$@" & local pid=$! hwm=0; while kill -0 $pid 2>/dev/null; do
    h=$(for p in $pid $(pgrep -P $pid); do awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null; done | sort -n | tail -1)
    [[ -n "$h" ]] && (( h > hwm )) && hwm=$h; sleep 0.5; done
  wait $pid; local rc=$?; echo "peak RSS $((hwm / 1024)) MiB (rc $rc)"; }
# The same closed loop at $KAFKA conversations, in-process and then end to end (SDK, in-JVM broker, redis-server,
# a worker over the same engine: EngineBenchCommand --through-kafka), in one JVM, so the ratio is of one call.
kafka_run() {
  local m=$1 name=$2
  echo "=== $name: $KAFKA conversations in-process, then through Kafka and Redis ($(left) s left)"
  peak timeout $(( $(left) - 10 )) env PARLEY_INFRA=local PARLEY_REDIS_SERVER="$W/redis-server" \
    "$W/jre/bin/java" -Xmx4g -cp "$W/jars/*" dev.parley.bench.engine.EngineBenchCommand \
    --model "$m" --gpu "${GPU:-cuda}" --llama-lib-dir "$LIB" --concurrency "$KAFKA" --turns 2 --tokens $TG \
    --prompt-chars 256 --context-per-slot $CTX_PER_SLOT --batch-size 2048 --micro-batch-size 512 \
    --prefill-chunk "$PREFILL" --through-kafka --out "$W/kafka-$name" 2>&1 | grep -vE ' DEBUG ' \
    | grep -E 'N=|engine steps|engine bench|Engine sizes|redis-server up|Kafka broker|peak|ERROR|Exception|Caused' | cut -c1-400
  [[ -f "$W/kafka-$name/engine-bench.md" ]] && { echo; echo "## $name, $KAFKA conversations"; \
    sed 1d "$W/kafka-$name/engine-bench.md"; } >> "$OUT/kafka.md"
}
# The warm workload (WARM conversations x 6 turns on WARM_SLOTS slots) on class path $2 into folder $3; the rest of
# the arguments (--llama-server ...) go to the command.
warm_run() {
  local m=$1 cp=$2 out=$3; shift 3
  timeout $(( $(left) - 10 )) "$W/jre/bin/java" -Xmx4g -cp "$cp" dev.parley.bench.engine.EngineBenchCommand \
    --model "$m" --gpu "${GPU:-cuda}" --llama-lib-dir "$LIB" --concurrency "${WARM_SLOTS:-32}" \
    --context-per-slot "${WARM_CTX:-8192}" --batch-size 2048 --micro-batch-size 512 --prefill-chunk "$PREFILL" \
    --warm-conversations "$WARM" --warm-tokens "${WARM_TOKENS:-64}" "$@" --out "$out" 2>&1 \
    | grep -vE ' DEBUG ' | grep -E 'engine|llama-server|Parley|Snapshots in|ERROR|Exception|turns answered' | cut -c1-400
}
for spec in $MODELS; do
  if [[ "$spec" == *.gguf ]]; then m="$spec"; spec="$(basename "${spec%.gguf}")"; else m="$W/models/${spec%:*}-${spec#*:}.gguf"; fi
  [[ -f "$m" ]] || continue
  if (( $(left) < 90 )); then echo "skipped $spec: $(left) s left"; continue; fi
  if [[ -z "${SKIP_BASELINE:-}" && -f "$LIB/llama-batched-bench" ]]; then
  echo "=== $spec: llama-batched-bench ($(left) s left)"
  { echo; echo "## $spec"; echo; echo '```'; } >> "$OUT/baseline.md"
  peak timeout $(( $(left) - 60 )) "$LIB/llama-batched-bench" -m "$m" -c $((SLOTS * CTX_PER_SLOT)) -b 2048 -ub 512 \
    -ngl 99 -npp 256 -ntg $TG -npl "$NPL" 2>&1 | grep -E '^\|| t/s|peak|error|CUDA' | tee -a "$OUT/baseline.md"
  echo '```' >> "$OUT/baseline.md"
  fi
  for layout in ${LAYOUTS:-per-sequence}; do
    if (( $(left) < 40 )); then echo "skipped parley $spec $layout: $(left) s left"; continue; fi
    for variant in ${VARIANTS:-greedy ${HOST_SAMPLING:+greedy-host} ${SAMPLED:+sampled} ${SAMPLED:+${HOST_SAMPLING:+sampled-host}} \
        ${NO_POOL:+no-pool} ${NO_PAD:+no-pad}}; do
    if (( $(left) < 40 )); then echo "skipped parley $spec $layout $variant: $(left) s left"; continue; fi
    cp="$W/jars/*"; [[ $variant == b-* ]] && cp="$W/jars-b/*:$W/jars/*"  # the other build's classes first
    case ${variant#b-} in sampled) extra="--temperature 0.7 --top-p 0.95";; no-pool) extra="--no-thread-pool";;
      no-pad) extra="--gap-padding off";;
      greedy-host) extra="--device-sampling off";; sampled-host) extra="--temperature 0.7 --top-p 0.95 --device-sampling off";;
      *) extra="";; esac
    echo "=== $spec: parley bench engine, KV $layout, $variant ($(left) s left)"
    peak timeout $(( $(left) - 10 )) "$W/jre/bin/java" -Xmx2g -cp "$cp" dev.parley.bench.engine.EngineBenchCommand \
      --model "$m" --gpu "${GPU:-cuda}" --llama-lib-dir "$LIB" --concurrency "$NPL" --turns 2 --tokens $TG \
      --prompt-chars 256 --context-per-slot $CTX_PER_SLOT --batch-size 2048 --micro-batch-size 512 \
      --prefill-chunk "$PREFILL" --kv-layout "$layout" $extra --out "$W/eb-$spec-$layout-$variant" \
      2>&1 | grep -vE ' DEBUG ' | grep -E 'N=|engine steps|engine bench|Engine sizes|Loaded|thread pool|llama.cpp 0|peak|ERROR|Exception|WARN'
    [[ -f "$W/eb-$spec-$layout-$variant/engine-bench.md" ]] && { echo; echo "## $spec, KV $layout, $variant"; \
      sed 1d "$W/eb-$spec-$layout-$variant/engine-bench.md"; } >> "$OUT/engine.md"
    done
    if (( KAFKA > 0 )) && [[ -z "${KAFKA_DONE:-}" ]] && (( $(left) > 60 )); then
      KAFKA_DONE=1; kafka_run "$m" "$spec"
    fi
    if [[ -n "${WARM:-}" && -z "${WARM_DONE:-}" ]] && (( $(left) > 60 )); then
      WARM_DONE=1; server=()  # without a llama-server build (no SERVER=1), the engine's side alone
      [[ -f "$LIB/llama-server" ]] && server=(--llama-server "$LIB/llama-server" --llama-server-arg=-ngl --llama-server-arg=99)
      echo "=== $spec: warm workload, in-process engine${server:+ against llama-server} ($(left) s left)"
      warm_run "$m" "$W/jars/*" "$W/warm-$spec" "${server[@]}"
      [[ -f "$W/warm-$spec/warm-report.md" ]] && cp "$W/warm-$spec/warm-report.md" "$OUT/warm-report.md"
      [[ -f "$W/warm-$spec/llama-server.log" ]] && tail -c 200000 "$W/warm-$spec/llama-server.log" > "$OUT/llama-server.log"
      if [[ -n "${WARM_B:-}" && -d "$W/jars-b" ]] && (( $(left) > 60 )); then
        echo "=== $spec: warm workload, engine side with the jars of jars-b.tar.xz ($(left) s left)"
        warm_run "$m" "$W/jars-b/*:$W/jars/*" "$W/warm-b-$spec"
        [[ -f "$W/warm-b-$spec/warm-report.md" ]] && cp "$W/warm-b-$spec/warm-report.md" "$OUT/warm-report-b.md"
      fi
    fi
  done
done
if [[ -n "${SERVER:-}" && -z "${NO_ARCHIVE:-}" && -f "$W/llama-cuda/llama-server" ]]; then
  # the build, for later calls (each machine starts bare): only when it is small enough to travel back
  tar -C "$W" -cf - llama-cuda | xz -T0 -6 > "$W/llama-cuda.tar.xz"
  size=$(stat -c %s "$W/llama-cuda.tar.xz"); echo "build archive: $((size >> 20)) MiB"
  (( size < 30 * 1024 * 1024 )) && split -b 15M -d "$W/llama-cuda.tar.xz" "$OUT/llama-cuda.tar.xz."
fi
[[ -n "$SMI" ]] && kill $SMI 2>/dev/null
echo "done after $((SECONDS - START)) s"
