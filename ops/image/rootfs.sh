#!/usr/bin/env bash
# Prepares the root filesystem the worker image adds on top of an empty ("scratch") base: a jlink'ed Java runtime,
# the shared libraries it and java-llama.cpp's native library need (taken from this glibc x86-64 build machine),
# CA certificates and a writable /tmp. Built this way, the image needs no Docker daemon and no registry to build.
#   ops/image/rootfs.sh <output-dir> <llama-jar>
set -euo pipefail
OUT="$1"
LLAMA_JAR="$2"
JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
[[ "$(uname -m)" == "x86_64" ]] || { echo "rootfs: the image is built for x86-64 hosts only" >&2; exit 1; }
[[ -d "$JAVA_HOME/jmods" ]] || { echo "rootfs: $JAVA_HOME has no jmods (Debian: apt-get install openjdk-17-jmods)" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT/opt" "$OUT/tmp" "$OUT/app/native" "$OUT/etc/ssl/certs"
"$JAVA_HOME/bin/jlink" --output "$OUT/opt/java" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --add-modules java.base,java.compiler,java.instrument,java.logging,java.management,java.naming,java.net.http,java.prefs,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.httpserver,jdk.jfr,jdk.management,jdk.net,jdk.security.auth,jdk.unsupported,jdk.zipfs

# java-llama.cpp's native library, loaded from a fixed directory instead of being extracted to /tmp at each start.
unzip -q -o -j "$LLAMA_JAR" 'de/kherud/llama/Linux/x86_64/libjllama.so' -d "$OUT/app/native"

# Debian's JDK links cacerts to the system store: put the real file in the image.
cacerts="$(readlink -f "$JAVA_HOME/lib/security/cacerts")"
rm -f "$OUT/opt/java/lib/security/cacerts"
cp "$cacerts" "$OUT/opt/java/lib/security/cacerts"
cp /etc/ssl/certs/ca-certificates.crt "$OUT/etc/ssl/certs/" 2>/dev/null || true

# Every shared library the runtime and the native library load, at the same paths as on this machine.
copy_deps() {
  ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^\s*\/lib/{print $1}' | while read -r lib; do
    [[ -e "$OUT$lib" ]] || { mkdir -p "$OUT$(dirname "$lib")"; cp -L "$lib" "$OUT$lib"; }
  done
}
while IFS= read -r -d '' elf; do copy_deps "$elf"; done < <(find "$OUT/opt/java" "$OUT/app/native" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0)
interp="$(readelf -l "$OUT/opt/java/bin/java" | sed -n 's/.*interpreter: \(.*\)]/\1/p')"
mkdir -p "$OUT$(dirname "$interp")" && cp -L "$interp" "$OUT$interp"
# glibc's name service modules are loaded at run time (ldd cannot see them): enough for DNS and /etc/hosts.
for lib in /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libresolv.so.2; do
  [[ -e "$lib" ]] && { mkdir -p "$OUT$(dirname "$lib")"; cp -L "$lib" "$OUT$lib"; }
done
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$OUT/etc/nsswitch.conf"
printf 'root:x:0:0:root:/root:/sbin/nologin\nparley:x:65532:65532:parley:/app:/sbin/nologin\n' > "$OUT/etc/passwd"
printf 'root:x:0:\nparley:x:65532:\n' > "$OUT/etc/group"
echo "rootfs: $(du -sh "$OUT" | cut -f1) in $OUT"
