#!/usr/bin/env bash
# Packs what a plugin author installs into a local folder feed, artifacts/packages/ (or FEED_DIR):
# SevenStamp.Connectors.Sdk, SevenStamp.Contracts, SevenStamp.Connectors.TestKit and the `dotnet new` template
# package SevenStamp.Connectors.Templates, all at SevenStampSdkVersion
# (contracts/SevenStamp.Connectors.Sdk/build/SevenStamp.Connectors.Sdk.props). Prints the feed's folder last.
#   tests/scripts/pack-sdk.sh [FEED_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
feed="${1:-artifacts/packages}"
mkdir -p "$feed"
feed=$(cd "$feed" && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The kit builds the SDK and the contracts with it; the packs then take the built assemblies as they are.
dotnet build tests/SevenStamp.Connectors.TestKit/SevenStamp.Connectors.TestKit.csproj -c Release -nologo -v quiet
for project in contracts/SevenStamp.Contracts/SevenStamp.Contracts.csproj \
               contracts/SevenStamp.Connectors.Sdk/SevenStamp.Connectors.Sdk.csproj \
               tests/SevenStamp.Connectors.TestKit/SevenStamp.Connectors.TestKit.csproj; do
  dotnet pack "$project" -c Release --no-build -o "$feed" -nologo -v quiet
done
dotnet pack contracts/SevenStamp.Connectors.Templates/SevenStamp.Connectors.Templates.csproj -c Release -o "$feed" -nologo -v quiet
echo "$feed"
