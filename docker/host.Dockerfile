# The SevenStamp Connectors host with its bundled plugins.
#   docker build -f docker/host.Dockerfile -t sevenstamp/connectors-host .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# Publishing the host also lays the bundled plugins out under /app/plugins/<Name>/. Published for the image's
# platform, the host and its libraries are precompiled (ReadyToRun): the host is ready about a second sooner.
ARG TARGETARCH
RUN dotnet publish host/SevenStamp.Connectors.Host/SevenStamp.Connectors.Host.csproj -c Release -o /app --os linux -a "${TARGETARCH:-amd64}" --self-contained false

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# Plugins are code: the web process must not be able to change them.
RUN chmod -R a-w /app/plugins && mkdir -p /data /etc/sevenstamp /app/plugins-extra && chown app /data
USER app
ENV ASPNETCORE_URLS=http://+:8080 \
    SevenStamp__PluginRoot=/app/plugins \
    SevenStamp__ConnectorsFile=/etc/sevenstamp/connectors.json \
    SevenStamp__Database__ConnectionString="Data Source=/data/sevenstamp.db"
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --retries=5 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "SevenStamp.Connectors.Host.dll"]
