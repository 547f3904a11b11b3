#!/usr/bin/env bash
# Runs the worker image without a container engine: unpacks the image tarball's layers into a directory and starts
# the entrypoint's Java there with chroot (root only). Proves the image holds a working runtime, the native libraries
# of both engines and the application.
#   ops/image/smoke-test.sh worker/target/jib-image.tar
set -euo pipefail
TAR="$1"
[[ "$(id -u)" == "0" ]] || { echo "smoke-test: needs root for chroot; skipped" >&2; exit 0; }
work="$(mktemp -d)"
cleanup() {
  umount "$work/root/proc" 2>/dev/null || true
  umount "$work/root/dev" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/image" "$work/root"
tar -xf "$TAR" -C "$work/image"
python3 - "$work/image" "$work/root" <<'PY'
import json, os, sys, tarfile
image, root = sys.argv[1], sys.argv[2]
manifest = json.load(open(os.path.join(image, "manifest.json")))[0]
for layer in manifest["Layers"]:
    with tarfile.open(os.path.join(image, layer)) as t:
        t.extractall(root, filter="tar") if hasattr(tarfile, "data_filter") else t.extractall(root)
config = json.load(open(os.path.join(image, manifest["Config"])))["config"]
print(json.dumps(config["Entrypoint"]))
open(os.path.join(root, ".entrypoint"), "w").write("\0".join(config["Entrypoint"]))
PY
mapfile -d '' entrypoint < "$work/root/.entrypoint"
# What a container runtime provides: /proc (the loader finds $ORIGIN through it) and /dev.
mkdir -p "$work/root/proc" "$work/root/dev"
mount -t proc proc "$work/root/proc"
mount --bind /dev "$work/root/dev"
echo "smoke-test: java -version inside the image"
chroot "$work/root" /opt/java/bin/java -version
echo "smoke-test: the worker's entrypoint with --help"
out="$(env -i PATH=/opt/java/bin "$(command -v chroot)" "$work/root" "${entrypoint[@]}" --help 2>&1 || true)"
echo "$out" | head -3
echo "$out" | grep -q -- "--bootstrap" || { echo "smoke-test: the worker did not start" >&2; echo "$out" >&2; exit 1; }
echo "smoke-test: every library java-llama.cpp's native code needs is in the image"
interp="$(ls "$work/root"/lib64/ld-linux-x86-64.so.2 >/dev/null && echo /lib64/ld-linux-x86-64.so.2)"
missing="$(chroot "$work/root" "$interp" --list /app/native/libjllama.so 2>&1 | grep -i 'not found' || true)"
[[ -z "$missing" ]] || { echo "smoke-test: missing libraries: $missing" >&2; exit 1; }
echo "smoke-test: every library the native engine's llama.cpp needs is in the image"
for lib in "$work/root"/app/llama/*.so; do
  missing="$(chroot "$work/root" "$interp" --list "/app/llama/$(basename "$lib")" 2>&1 | grep -i 'not found' || true)"
  [[ -z "$missing" ]] || { echo "smoke-test: $(basename "$lib") misses: $missing" >&2; exit 1; }
done
[[ -f "$work/root/app/llama/libllama.v0.5.0.so" ]] || { echo "smoke-test: no llama.cpp libraries in /app/llama" >&2; exit 1; }
echo "smoke-test: ok"
