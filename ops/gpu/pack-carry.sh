#!/usr/bin/env bash
# Packs what ops/gpu/device-bench.sh needs on a GPU machine without Java or network, into DIR (default .gpu-carry,
# which git ignores): the llama.cpp source of node-llama-cpp@3.22.1 (the parts a CUDA build, the baselines and
# gguf-py need), a jlink-ed JVM, the bench's class path with every jar stored uncompressed (the in-JVM Kafka
# broker's jars included), each as one xz tarball, and a redis-server (about 50 MB together; a device call takes
# 64 MiB of working tree). Build the CLI first (./mvnw -o -q -DskipTests -pl cli -am package), so cli/target/lib
# holds the class path.
#
# usage: [PARTS="src jre jars redis"] ops/gpu/pack-carry.sh [DIR]
#   PARTS packs only those (e.g. PARTS=jars after a code change; the others take minutes and rarely change);
#   PARTS=jars-b B_REV=<commit> packs that commit's Parley jars for device-bench.sh's b- variants
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="$(mkdir -p "${1:-$ROOT/.gpu-carry}" && cd "${1:-$ROOT/.gpu-carry}" && pwd)"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
REGISTRY="${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}"
PARTS=" ${PARTS:-src jre jars redis} "

if [[ "$PARTS" == *" src "* ]]; then
CACHED="${NLC_TGZ:-$HOME/.cache/parley/npm/node-llama-cpp-3.22.1.tgz}"  # where the worker keeps it
if [[ -f "$CACHED" ]]; then cp "$CACHED" "$WORK/nlc.tgz"
else curl -fsSL "$REGISTRY/node-llama-cpp/-/node-llama-cpp-3.22.1.tgz" -o "$WORK/nlc.tgz"; fi
echo "a0d9dd80eacd2ab1cfe71aee57ac8a806487fd70b3d2a38fbec637752d9e5c5f  $WORK/nlc.tgz" | sha256sum -c - >&2
tar -xzf "$WORK/nlc.tgz" -C "$WORK" package/llama/gitRelease.bundle
git clone -q "$WORK/package/llama/gitRelease.bundle" "$WORK/src"
tar -C "$WORK/src" --exclude=.git -cf - CMakeLists.txt CMakePresets.json cmake ggml src include common tools vendor \
  gguf-py licenses LICENSE scripts | xz -T0 -6 > "$DIR/llama-src.tar.xz"
fi

# the modules the bench's jars use (jdeps), plus logging, JMX, JFR and JNA's jdk.unsupported
if [[ "$PARTS" == *" jre "* ]]; then
jlink --add-modules java.base,java.desktop,java.net.http,jdk.httpserver,java.logging,java.management,java.naming,\
java.sql,java.xml,jdk.unsupported,jdk.jfr,jdk.management,jdk.management.jfr,java.security.jgss,jdk.crypto.ec,\
java.compiler,java.scripting --strip-debug --no-header-files --no-man-pages --compress=0 --output "$WORK/jre"
tar -C "$WORK" -cf - jre | xz -T0 -6 > "$DIR/jre.tar.xz"
fi

# the CLI's class path without what a bench on the device never loads (containers, Docker, compression codecs the
# clients are not asked for, scala-reflect, which the broker does not load); the broker's jars stay, for
# --through-kafka
if [[ "$PARTS" == *" jars "* ]]; then
mkdir -p "$WORK/jars"
for jar in "$ROOT"/cli/target/lib/*.jar "$ROOT/cli/target/parley-cli.jar"; do
  case "$(basename "$jar")" in
    testcontainers*|embedded-redis*|zstd-jni*|scala-reflect*|snappy*|docker-*|log4j-core*|duct-tape*|jna-platform*) ;;
    *) cp "$jar" "$WORK/jars/" ;;
  esac
done
# Every jar stored uncompressed; java-llama.cpp's only with its classes (the worker's settings name its types; its
# native libraries are most of its size and never load in an engine bench); other jars' native libraries only for
# Linux x86-64 (JNA's libjnidispatch, lz4-java's).
python3 - "$WORK/jars" <<'PY'
import glob, sys, zipfile, os, re
NATIVE = re.compile(r"\.(so|dll|dylib|jnilib|a)$")
LINUX_X64 = ("linux-x86-64/", "linux/amd64/", "linux-amd64/")
for jar in glob.glob(sys.argv[1] + "/*.jar"):
    classes_only = os.path.basename(jar).startswith("llama-")
    stored = jar + ".stored"
    with zipfile.ZipFile(jar) as src, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            if classes_only and not (info.filename.endswith(".class") or info.filename.startswith("META-INF/MANIFEST")):
                continue
            if NATIVE.search(info.filename) and not any(p in info.filename for p in LINUX_X64):
                continue
            dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_STORED)
    os.replace(stored, jar)
PY
tar -C "$WORK/jars" -cf - . | xz -T0 -6 > "$DIR/jars.tar.xz"
fi
# another commit's Parley jars for device-bench.sh's b- variants (an A/B of two builds in one call): B_REV names the
# commit, built offline in a throw-away worktree; PARTS=jars-b packs only this
if [[ "$PARTS" == *" jars-b "* ]]; then
git -C "$ROOT" worktree add -q --detach "$WORK/b" "${B_REV:?B_REV=<commit> names the jars of the b- variants}"
(cd "$WORK/b" && ./mvnw -o -q -DskipTests -pl cli -am package)
(cd "$WORK/b/cli/target/lib" && tar -cf - $(ls parley-*.jar | grep -v -- -tests) | xz -6 > "$DIR/jars-b.tar.xz")
git -C "$ROOT" worktree remove --force "$WORK/b"
fi
# redis-server for --through-kafka: the test kit's own fallback binary (embedded-redis, Linux x86-64; it needs
# glibc and OpenSSL 3's libssl.so.3 and libcrypto.so.3), without its debug symbols; the bench finds it through
# PARLEY_REDIS_SERVER
if [[ "$PARTS" == *" redis "* ]]; then
unzip -p "$(ls "$ROOT"/cli/target/lib/embedded-redis-*.jar | head -1)" redis-server-6.2.6-v5-linux-amd64 > "$WORK/redis-server"
strip "$WORK/redis-server" 2>/dev/null || true
xz -T0 -6 -c "$WORK/redis-server" > "$DIR/redis-server.xz"
# and this machine's OpenSSL 3 libraries, which device-bench.sh puts under it only where the device has none
mkdir -p "$WORK/redis-libs"
cp -L $(ldd "$WORK/redis-server" | awk '/libssl|libcrypto/ {print $3}') "$WORK/redis-libs/"
tar -C "$WORK" -cf - redis-libs | xz -T0 -6 > "$DIR/redis-libs.tar.xz"
fi
cp "$ROOT"/ops/gpu/*.sh "$ROOT"/ops/gpu/*.py "$ROOT"/ops/gpu/*.cu "$DIR/"
ls -la "$DIR" >&2
