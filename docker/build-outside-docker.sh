#!/usr/bin/env bash
# Reproduces host.Dockerfile's build without a Docker engine: the same `dotnet publish` into a folder laid out
# as /app, then checks the image's contents and runs the published host (the zero-setup demo, for a few
# seconds) from that folder. CI runs it; it exits non-zero when the image would be broken.
#   docker/build-outside-docker.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d)/app}"

# The Dockerfile's build stage, verbatim but for the output folder and the platform (this machine's).
dotnet publish host/SevenStamp.Connectors.Host/SevenStamp.Connectors.Host.csproj -c Release -o "$out" --os linux --self-contained false -nologo -v quiet

fail() { echo "build-outside-docker: $*" >&2; exit 1; }
[ -f "$out/SevenStamp.Connectors.Host.dll" ] || fail "no host assembly in $out"
[ -f "$out/appsettings.json" ] || fail "no appsettings.json in $out"
for plugin in plugins/*/; do
  name=$(basename "$plugin")
  [ -f "$out/plugins/$name/$name.dll" ] || fail "plugin $name is not laid out as plugins/$name/$name.dll"
  [ -f "$out/plugins/$name/connector.json" ] || fail "plugin $name has no connector.json in the image"
  # The SDK and the contracts are the host's; a copy beside a plugin would break the shared types.
  [ ! -e "$out/plugins/$name/SevenStamp.Connectors.Sdk.dll" ] || fail "plugin $name carries its own copy of the SDK"
done
# Plugins under tests/plugins/ (the faulty one, the version probe) exist for tests only.
for plugin in tests/plugins/*/; do
  name=$(basename "$plugin")
  [ ! -e "$out/plugins/$name" ] || fail "the test-only plugin $name is in the image"
done

# The image's entry point, run from a foreign working directory as the container would.
log=$(mktemp)
(cd "$(mktemp -d)" && timeout 120 dotnet "$out/SevenStamp.Connectors.Host.dll" demo --SevenStamp:Demo:StopAfter=00:00:06 --urls=http://127.0.0.1:0 >"$log" 2>&1) \
  || { cat "$log" >&2; fail "the published host did not run the demo cleanly"; }
grep -q "stamp    demo-pos/" "$log" || { cat "$log" >&2; fail "the published host stamped nothing"; }
grep -q "Loaded plugin square" "$log" || { cat "$log" >&2; fail "the published host did not load the Square plugin"; }
echo "build-outside-docker: published to $out; plugins: $(ls "$out/plugins" | tr '\n' ' '); demo ran"
