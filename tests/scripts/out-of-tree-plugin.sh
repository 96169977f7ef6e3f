#!/usr/bin/env bash
# A connector plugin written outside this repository, from `dotnet new` to a stamp, as a plugin author does it:
#  1. packs the SDK, contracts, compliance kit and template into the local feed (tests/scripts/pack-sdk.sh), and
#     shows that a copy of the SDK with a public signature changed but not its PublicAPI files does not build;
#  2. in a temporary folder outside the repository, installs the template from its package and makes Acme.Pos;
#  3. restores it from the local feed (SevenStamp.* only from there) and nuget.org (everything else), with no
#     project reference to this repository anywhere, then builds it and runs its tests (the compliance suite);
#  4. copies the plugin's output into a folder given to the published host as SevenStamp:AdditionalPluginRoot,
#     starts that host (in-memory bus, SQLite), sends the plugin's endpoint a signed webhook and finds the stamp
#     on the customer's card through the management API.
# Exits non-zero with a message naming the step that failed. CI runs it after docker/build-outside-docker.sh.
#   tests/scripts/out-of-tree-plugin.sh [PUBLISHED_HOST_DIR]   (without it, the host is published to a temp folder)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
step="start"
fail() { echo "out-of-tree-plugin: FAILED at '$step': $*" >&2; exit 1; }
say() { echo "out-of-tree-plugin: $*"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sevenstamp-out-of-tree.XXXXXX")
case "$work/" in "$repo"/*) fail "the temporary folder $work is inside the repository" ;; esac
host_pid=""
cleanup() {
  if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then kill "$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; fi
  [ "${KEEP_OUT_OF_TREE:-}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

host_dir="${1:-}"
if [ -z "$host_dir" ]; then
  step="publish the host"
  host_dir="$work/host"
  dotnet publish "$repo/host/SevenStamp.Connectors.Host/SevenStamp.Connectors.Host.csproj" -c Release -o "$host_dir" --os linux --self-contained false -nologo -v quiet >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log" >&2; fail "dotnet publish of the host failed"; }
fi
host_dir=$(cd "$host_dir" && pwd)
[ -f "$host_dir/SevenStamp.Connectors.Host.dll" ] || fail "no published host in $host_dir"

step="pack the SDK packages"
feed=$(bash "$repo/tests/scripts/pack-sdk.sh" | tail -n 1) || fail "tests/scripts/pack-sdk.sh failed"
version=$(sed -n 's:.*<SevenStampSdkVersion>\(.*\)</SevenStampSdkVersion>.*:\1:p' "$repo/contracts/SevenStamp.Connectors.Sdk/build/SevenStamp.Connectors.Sdk.props")
abi=$(echo "$version" | cut -d. -f1-2)
for id in SevenStamp.Connectors.Sdk SevenStamp.Contracts SevenStamp.Connectors.TestKit SevenStamp.Connectors.Templates; do
  [ -f "$feed/$id.$version.nupkg" ] || fail "$id.$version.nupkg is not in the local feed $feed"
done
say "packed $version into $feed"

step="a public API change without its PublicAPI line fails the build"
# A copy of the SDK (and what it builds with) whose WebhookSignatures.ComputeHmacSha256 takes another key type:
# the analyzer must refuse it (RS0016: the new signature is not declared; RS0017: the declared one is gone).
api="$work/api-check"
mkdir -p "$api/contracts"
cp "$repo"/Directory.Build.props "$repo"/Directory.Packages.props "$repo"/Analysis.Build.props "$repo"/global.json "$api/"
[ -f "$repo/.editorconfig" ] && cp "$repo/.editorconfig" "$api/"
cp "$repo"/contracts/Package.Build.props "$repo"/contracts/PACKAGE-README.md "$api/contracts/"
for p in SevenStamp.Contracts SevenStamp.Connectors.Sdk; do
  cp -R "$repo/contracts/$p" "$api/contracts/$p"
  rm -rf "$api/contracts/$p/bin" "$api/contracts/$p/obj"
done
sdk_copy="$api/contracts/SevenStamp.Connectors.Sdk"
grep -q 'public static string ComputeHmacSha256(ReadOnlySpan<byte> payload, byte\[\] key, SignatureEncoding encoding)' "$sdk_copy/WebhookSignatures.cs" \
  || fail "WebhookSignatures.ComputeHmacSha256 is not where this check expects it; update the check"
sed -i 's/public static string ComputeHmacSha256(ReadOnlySpan<byte> payload, byte\[\] key, SignatureEncoding encoding)/public static string ComputeHmacSha256(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> key, SignatureEncoding encoding)/' "$sdk_copy/WebhookSignatures.cs"
if dotnet build "$sdk_copy/SevenStamp.Connectors.Sdk.csproj" -nologo >"$work/api-check.log" 2>&1; then
  fail "the SDK built with a changed public signature that PublicAPI.Shipped.txt does not list"
fi
grep -q "RS0016" "$work/api-check.log" && grep -q "RS0017" "$work/api-check.log" \
  || { tail -n 30 "$work/api-check.log" >&2; fail "the build failed, but not with RS0016 and RS0017 (the public API analyzer)"; }
say "changing a public SDK signature without its PublicAPI line fails the build (RS0016, RS0017)"

# Our packages in a NuGet cache of this run's own, so a package rebuilt at the same version is never taken stale
# from the machine's cache; third-party packages still come from the machine's cache (a fallback folder).
machine_cache="${NUGET_PACKAGES:-${HOME:-/root}/.nuget/packages}"
export NUGET_PACKAGES="$work/nuget-packages"

step="install the template"
hive="$work/template-hive"
dotnet new install "$feed/SevenStamp.Connectors.Templates.$version.nupkg" --debug:custom-hive "$hive" >"$work/new.log" 2>&1 \
  || { cat "$work/new.log" >&2; fail "dotnet new install of the template package failed"; }

step="dotnet new sevenstamp-connector"
author="$work/author"
mkdir -p "$author"
(cd "$author" && dotnet new sevenstamp-connector -n Acme.Pos --debug:custom-hive "$hive") >>"$work/new.log" 2>&1 \
  || { cat "$work/new.log" >&2; fail "dotnet new sevenstamp-connector -n Acme.Pos failed"; }
project="$author/Acme.Pos"
[ -f "$project/src/Acme.Pos/Acme.Pos.csproj" ] || fail "the template made no src/Acme.Pos/Acme.Pos.csproj"
[ -f "$project/tests/Acme.Pos.Tests/Acme.Pos.Tests.csproj" ] || fail "the template made no tests/Acme.Pos.Tests/Acme.Pos.Tests.csproj"

# The only sources: the local feed for SevenStamp's packages, nuget.org (this machine's normal source) for the rest.
fallback=""
# (Not when the machine's cache holds a SevenStamp package of this version: it could be a stale build.)
[ -d "$machine_cache" ] && [ ! -d "$machine_cache/sevenstamp.connectors.sdk/$version" ] && fallback="<fallbackPackageFolders><clear /><add key=\"machine\" value=\"$machine_cache\" /></fallbackPackageFolders>"
cat >"$project/NuGet.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="sevenstamp-local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="sevenstamp-local"><package pattern="SevenStamp.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
  $fallback
</configuration>
XML

step="no reference to the repository"
while IFS= read -r csproj; do
  dir=$(dirname "$csproj")
  for include in $(sed -n 's:.*<ProjectReference Include="\([^"]*\)".*:\1:p' "$csproj" | tr '\\' '/'); do
    target=$(cd "$dir" && realpath -m "$include")
    case "$target" in "$project"/*) ;; *) fail "$csproj references $include, outside the plugin's folder" ;; esac
  done
done < <(find "$project" -name '*.csproj')
# Only NuGet.config may name a folder of the repository: the local feed.
if grep -rIl --exclude-dir=bin --exclude-dir=obj --exclude=NuGet.config -e "$repo" "$project" >/dev/null; then
  fail "a file of the plugin names the repository's folder $repo: $(grep -rIl --exclude-dir=bin --exclude-dir=obj --exclude=NuGet.config -e "$repo" "$project" | head -n 3)"
fi

step="dotnet test (restore, build, the compliance suite)"
(cd "$project" && dotnet test -c Release) >"$work/test.log" 2>&1 || { tail -n 60 "$work/test.log" >&2; fail "the plugin's build or tests failed"; }
passed=$(grep -E '^\s+succeeded: [0-9]+' "$work/test.log" | tail -n 1 | grep -oE '[0-9]+' || true)
failed=$(grep -E '^\s+failed: [0-9]+' "$work/test.log" | tail -n 1 | grep -oE '[0-9]+' || true)
[ -n "$passed" ] && [ "$passed" -gt 0 ] && [ "${failed:-1}" -eq 0 ] || { tail -n 40 "$work/test.log" >&2; fail "expected passing tests, got passed=${passed:-?} failed=${failed:-?}"; }
grep -q "PosConnectorComplianceTests" "$work/test.log" || grep -rq "WebhookConnectorComplianceTests" "$project/tests" || fail "the tests do not run the compliance suite"
say "the template's plugin builds and passes its tests ($passed passed, 0 failed)"
for id in sevenstamp.connectors.sdk sevenstamp.contracts sevenstamp.connectors.testkit; do
  [ -d "$NUGET_PACKAGES/$id/$version" ] || fail "$id $version was not restored from the local feed"
done

step="lay the plugin out for the host"
plugins="$work/plugins-extra"
output="$project/src/Acme.Pos/bin/Release/net10.0"
[ -f "$output/Acme.Pos.dll" ] || fail "no Acme.Pos.dll in $output"
mkdir -p "$plugins/Acme.Pos"
cp -R "$output/." "$plugins/Acme.Pos/"
for shared in SevenStamp.Connectors.Sdk.dll SevenStamp.Contracts.dll Microsoft.Extensions.Logging.Abstractions.dll; do
  [ ! -e "$plugins/Acme.Pos/$shared" ] || fail "the plugin carries its own copy of $shared; the host's copy must be the one that loads"
done
grep -q "\"sdkVersion\": \"$abi\"" "$plugins/Acme.Pos/connector.json" || { cat "$plugins/Acme.Pos/connector.json" >&2; fail "the built connector.json does not name sdkVersion $abi"; }
grep -q '"id": "acme-pos"' "$plugins/Acme.Pos/connector.json" || fail "the plugin id is not acme-pos"

step="start the published host with the plugin"
secret="out-of-tree-secret-$(date +%s)-0123456789"
admin_key="out-of-tree-admin-key-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
cat >"$work/connectors.json" <<JSON
{ "connectors": [ { "id": "acme-till", "plugin": "acme-pos", "merchantId": "acme-cafe", "settings": { "signingSecret": "\${env:ACME_SIGNING_SECRET}" } } ] }
JSON
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)
base="http://127.0.0.1:$port"
(cd "$work" && exec env ACME_SIGNING_SECRET="$secret" dotnet "$host_dir/SevenStamp.Connectors.Host.dll" \
  --urls="$base" \
  --SevenStamp:Bus:Transport=InMemory \
  --SevenStamp:Database:ConnectionString="Data Source=$work/host.db" \
  --SevenStamp:ConnectorsFile="$work/connectors.json" \
  --SevenStamp:AdditionalPluginRoot="$plugins" \
  --SevenStamp:Api:AdminKey="$admin_key" \
  --SevenStamp:Programs:0:MerchantId=acme-cafe \
  --SevenStamp:Programs:0:Name="Acme coffee card" \
  --SevenStamp:Programs:0:Reward="A free coffee" \
  --SevenStamp:Programs:0:StampGoal=5 \
  --Logging:LogLevel:SevenStamp.Connectors.Host.Plugins=Information) >"$work/host.log" 2>&1 &
host_pid=$!
ready=""
for _ in $(seq 1 120); do
  kill -0 "$host_pid" 2>/dev/null || { cat "$work/host.log" >&2; fail "the host exited during start"; }
  if curl -fsS "$base/health/ready" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.5
done
[ -n "$ready" ] || { cat "$work/host.log" >&2; fail "the host was not ready within 60 s"; }
curl -fsS -H "Authorization: Bearer $admin_key" "$base/plugins" | grep -q '"acme-pos"' || { cat "$work/host.log" >&2; fail "the host did not load acme-pos from the additional plugin root"; }
say "the published host loaded acme-pos from $plugins"

step="send a signed webhook"
body='{"eventId":"evt-oot-1","type":"sale.completed","sale":{"id":"S-OOT-1","completedAt":"2026-11-23T09:30:00Z","customerId":"oot-ana","currency":"EUR","total":3.20,"lines":[{"sku":"ESP-01","name":"Espresso","quantity":1,"unitPrice":3.20}]}}'
signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -hex | awk '{print $NF}')
status=$(curl -sS -o "$work/webhook.out" -w '%{http_code}' "$base/webhooks/acme-till" -H 'Content-Type: application/json' -H "X-Pos-Signature: $signature" --data-binary "$body")
[ "$status" = 200 ] || { cat "$work/webhook.out" "$work/host.log" >&2; fail "the signed webhook was answered $status"; }
forged=$(curl -sS -o /dev/null -w '%{http_code}' "$base/webhooks/acme-till" -H "X-Pos-Signature: ${signature%?}0" --data-binary "${body/evt-oot-1/evt-oot-2}")
[ "$forged" = 401 ] || fail "a badly signed webhook was answered $forged, not 401"

step="find the stamp"
stamps=""
for _ in $(seq 1 60); do
  card=$(curl -sS -H "Authorization: Bearer $admin_key" "$base/api/merchants/acme-cafe/cards?connectorId=acme-till&posCustomerId=oot-ana" || true)
  stamps=$(printf '%s' "$card" | grep -oE '"totalStamps": ?[0-9]+' | grep -oE '[0-9]+$' || true)
  [ -n "$stamps" ] && [ "$stamps" -ge 1 ] && break
  sleep 0.5
done
[ -n "$stamps" ] && [ "$stamps" -ge 1 ] || { echo "last answer: $card" >&2; tail -n 40 "$work/host.log" >&2; fail "no stamp on the customer's card"; }
say "the sale from the out-of-tree plugin stamped the card (totalStamps $stamps)"
echo "out-of-tree-plugin: ok (template $version, plugin acme-pos, sdkVersion $abi, $passed tests passed, stamp found)"
