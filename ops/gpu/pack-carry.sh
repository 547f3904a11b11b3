#!/usr/bin/env bash
# Packs what ops/gpu/device-bench.sh needs on a GPU machine without Java or network, into DIR (default .gpu-carry,
# which git ignores): the llama.cpp source of node-llama-cpp@3.22.1 (the parts a CUDA build, the baselines and
# gguf-py need), a jlink-ed JVM, and the bench's class path with every jar stored uncompressed, each as one xz
# tarball (about 42 MB together; a device call takes 64 MiB of working tree). Run ./parley once first, so
# cli/target/lib holds the class path.
#
# usage: ops/gpu/pack-carry.sh [DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="$(mkdir -p "${1:-$ROOT/.gpu-carry}" && cd "${1:-$ROOT/.gpu-carry}" && pwd)"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
REGISTRY="${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}"

curl -fsSL "$REGISTRY/node-llama-cpp/-/node-llama-cpp-3.22.1.tgz" -o "$WORK/nlc.tgz"
echo "a0d9dd80eacd2ab1cfe71aee57ac8a806487fd70b3d2a38fbec637752d9e5c5f  $WORK/nlc.tgz" | sha256sum -c - >&2
tar -xzf "$WORK/nlc.tgz" -C "$WORK" package/llama/gitRelease.bundle
git clone -q "$WORK/package/llama/gitRelease.bundle" "$WORK/src"
tar -C "$WORK/src" --exclude=.git -cf - CMakeLists.txt CMakePresets.json cmake ggml src include common tools vendor \
  gguf-py licenses LICENSE scripts | xz -T0 -6 > "$DIR/llama-src.tar.xz"

# the modules the bench's jars use (jdeps), plus logging, JMX, JFR and JNA's jdk.unsupported
jlink --add-modules java.base,java.desktop,java.net.http,jdk.httpserver,java.logging,java.management,java.naming,\
java.sql,java.xml,jdk.unsupported,jdk.jfr,jdk.management,jdk.management.jfr,java.security.jgss,jdk.crypto.ec,\
java.compiler,java.scripting --strip-debug --no-header-files --no-man-pages --compress=0 --output "$WORK/jre"
tar -C "$WORK" -cf - jre | xz -T0 -6 > "$DIR/jre.tar.xz"

# the CLI's class path without what an engine bench never loads (broker, containers, java-llama.cpp, Redis)
mkdir -p "$WORK/jars"
for jar in "$ROOT"/cli/target/lib/*.jar "$ROOT/cli/target/parley-cli.jar"; do
  case "$(basename "$jar")" in
    testcontainers*|embedded-redis*|zstd-jni*|scala-*|snappy*|docker-*|kafka_2.13*|kafka-group*|\
    kafka-metadata*|kafka-storage*|kafka-server*|kafka-raft*|kafka-coordinator*|kafka-transaction*|kafka-share*|\
    log4j-core*|duct-tape*|jna-platform*) ;;
    *) cp "$jar" "$WORK/jars/" ;;
  esac
done
# Every jar stored uncompressed; java-llama.cpp's only with its classes (the worker's settings name its types; its
# native libraries are most of its size and never load in an engine bench).
python3 - "$WORK/jars" <<'PY'
import glob, sys, zipfile, os
for jar in glob.glob(sys.argv[1] + "/*.jar"):
    classes_only = os.path.basename(jar).startswith("llama-")
    stored = jar + ".stored"
    with zipfile.ZipFile(jar) as src, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            if classes_only and not (info.filename.endswith(".class") or info.filename.startswith("META-INF/MANIFEST")):
                continue
            dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_STORED)
    os.replace(stored, jar)
PY
tar -C "$WORK/jars" -cf - . | xz -T0 -6 > "$DIR/jars.tar.xz"
cp "$ROOT"/ops/gpu/*.sh "$ROOT"/ops/gpu/*.py "$DIR/"
ls -la "$DIR" >&2
