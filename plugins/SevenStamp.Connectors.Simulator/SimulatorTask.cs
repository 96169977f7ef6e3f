using Microsoft.Extensions.Logging;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Simulator;

/// <summary>Publishes one simulated sale per tick until stopped or <c>maxSales</c> is reached.</summary>
internal sealed partial class SimulatorTask : BackgroundConnectorTask
{
    private static readonly (string Sku, string Name, string Category, decimal Price)[] Menu =
    [
        ("ESP-01", "Espresso", "Coffee", 2.40m),
        ("CAP-01", "Cappuccino", "Coffee", 3.20m),
        ("LAT-01", "Oat latte", "Coffee", 3.80m),
        ("TEA-01", "Green tea", "Tea", 2.60m),
        ("CRO-01", "Croissant", "Bakery", 2.10m),
        ("BAG-01", "Sesame bagel", "Bakery", 3.50m),
    ];

    private readonly ConnectorContext _context;
    private readonly TimeSpan _interval;
    private readonly int _customers;
    private readonly long? _maxSales;
    private readonly long _duplicateEvery;
    private readonly long _anonymousEvery;
    private readonly string _currency;
    private readonly string _locationId;
    private readonly Random _random;
    private readonly string _runId;

    public SimulatorTask(ConnectorContext context)
    {
        _context = context;
        var settings = context.Settings;
        _interval = settings.GetDuration("interval") ?? TimeSpan.FromSeconds(1);
        _customers = (int)(settings.GetInteger("customers") ?? 5);
        _maxSales = settings.GetInteger("maxSales");
        _duplicateEvery = settings.GetInteger("duplicateEvery") ?? 0;
        _anonymousEvery = settings.GetInteger("anonymousEvery") ?? 0;
        _currency = settings.GetRequiredString("currency");
        _locationId = settings.GetRequiredString("locationId");
        var seed = settings.GetInteger("seed");
#pragma warning disable CA5394 // Simulated sales need no cryptographic randomness.
        _random = seed is { } s ? new Random(unchecked((int)s)) : new Random();
#pragma warning restore CA5394
        // Sale ids are unique per run, so a restarted demo does not look like a redelivery of the last one.
        _runId = context.TimeProvider.GetUtcNow().ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Sales handed to the sink and confirmed, duplicates included.</summary>
    public long Published { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval, _context.TimeProvider);
        long number = 0;
        SaleCompleted? pending = null;
        try
        {
            while ((_maxSales is null || number < _maxSales) && await timer.WaitForNextTickAsync(cancellationToken))
            {
                // A sale the sink refused is offered again on the next tick: a real POS retries too.
                var sale = pending ?? CreateSale(++number);
                try
                {
                    await _context.Sink.PublishAsync(sale, cancellationToken);
                    Published++;
                    if (_duplicateEvery > 0 && number % _duplicateEvery == 0)
                    {
                        await _context.Sink.PublishAsync(sale, cancellationToken);
                        Published++;
                    }

                    pending = null;
                }
                catch (CheckoutSinkUnavailableException ex)
                {
                    pending = sale;
                    LogPublishFailed(_context.Logger, sale.ExternalSaleId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private SaleCompleted CreateSale(long number)
    {
#pragma warning disable CA5394 // Simulated sales need no cryptographic randomness.
        var lines = Enumerable.Range(0, _random.Next(1, 4))
            .Select(_ => Menu[_random.Next(Menu.Length)])
            .GroupBy(m => m.Sku)
            .Select(g => new SaleLineItem { Sku = g.Key, Name = g.First().Name, Category = g.First().Category, Quantity = g.Count(), UnitPrice = g.First().Price })
            .ToList();
        var customer = _anonymousEvery > 0 && number % _anonymousEvery == 0
            ? CustomerIdentifiers.None
            : new CustomerIdentifiers { PosCustomerId = $"cust-{_random.Next(1, _customers + 1)}" };
#pragma warning restore CA5394
        return new SaleCompleted
        {
            MerchantId = _context.MerchantId,
            ConnectorId = _context.ConnectorId,
            LocationId = _locationId,
            ExternalSaleId = $"sim-{_runId}-{number:D6}",
            SourceEventId = $"sim-event-{_runId}-{number:D6}",
            OccurredAt = _context.TimeProvider.GetUtcNow(),
            Customer = customer,
            Currency = _currency,
            Total = lines.Sum(l => l.Quantity * l.UnitPrice),
            LineItems = lines,
        };
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Simulated sale {SaleId} not accepted yet ({Reason}); retrying on the next tick")]
    private static partial void LogPublishFailed(ILogger logger, string saleId, string reason);
}
