using MassTransit;
using SevenStamp.Connectors.Host.Demo;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Messaging;
using SevenStamp.Wallet;
using SevenStamp.Webhooks;

namespace SevenStamp.Connectors.Host.Messaging;

internal static class BusServiceCollectionExtensions
{
    /// <summary>
    /// Adds MassTransit on RabbitMQ (durable queues, persistent messages, publisher confirms) or, for the demo,
    /// on the in-memory transport; with the loyalty consumers on it.
    /// </summary>
    public static IServiceCollection AddSevenStampBus(this IServiceCollection services, BusOptions options, bool demo, IConfiguration configuration)
    {
        var queues = new ConsumerQueues();
        services.AddSingleton(queues);
        services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(options.NamePrefix, false));
            bus.AddConfigureEndpointsCallback((_, queueName, endpoint) =>
            {
                queues.Add(queueName);
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit && options.QueueType == BusQueueType.Quorum)
                {
                    ConfigureQuorumQueue(rabbit, queueName, options.DeliveryLimit);
                }
            });
            if (options.ConsumersEnabled)
            {
                bus.AddLoyaltyConsumers();
                bus.AddWalletConsumers(configuration);
                bus.AddOutboundWebhooksConsumer();
            }

            if (demo)
            {
                bus.AddDemoConsumers();
            }

            switch (options.Transport)
            {
                case BusTransport.InMemory:
                    bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
                    break;
                case BusTransport.RabbitMq:
                    var endpoint = RabbitMqEndpoint.Parse(options.RabbitMqUri, options.RabbitMqNodes);
                    bus.UsingRabbitMq((context, cfg) =>
                    {
                        cfg.Host(endpoint.Host, (ushort)endpoint.Port, endpoint.VirtualHost, $"sevenstamp-{Environment.MachineName}", h =>
                        {
                            h.Username(endpoint.Username);
                            h.Password(endpoint.Password);
                            // A publish completes only once the broker has the message: the webhook's 2xx depends on it.
                            h.PublisherConfirmation = true;
                            h.Heartbeat(TimeSpan.FromSeconds(30));
                            if (endpoint.Nodes.Count > 1)
                            {
                                // A cluster: the bus connects to the first node that answers, and to another when
                                // its node stops; the quorum queues have a member on every node.
                                h.UseCluster(cluster =>
                                {
                                    foreach (var node in endpoint.Nodes)
                                    {
                                        cluster.Node(node.ToString());
                                    }
                                });
                            }

                            if (endpoint.UseTls)
                            {
                                h.UseSsl(ssl => ssl.ServerName = endpoint.Host);
                            }
                        });
                        if (!string.IsNullOrEmpty(options.NamePrefix))
                        {
                            // Message exchanges too, not only queues: otherwise two environments on one virtual
                            // host would each receive the other's sales through the shared message exchanges.
                            cfg.MessageTopology.SetEntityNameFormatter(new PrefixEntityNameFormatter(cfg.MessageTopology.EntityNameFormatter, options.NamePrefix));
                        }

                        cfg.Durable = true;
                        cfg.AutoDelete = false;
                        cfg.PrefetchCount = options.PrefetchCount;
                        cfg.ConfigureEndpoints(context);
                    });
                    break;
                default:
                    throw new InvalidOperationException($"SevenStamp:Bus:Transport '{options.Transport}' is not supported; use RabbitMq or InMemory.");
            }
        });

        // The host is not ready, and connectors do not start, until the bus is connected and its queues exist;
        // otherwise a sale published before the consumer's queue is bound would be lost.
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        if (options.Transport == BusTransport.RabbitMq)
        {
            services.AddSingleton<IDelayedRedelivery>(sp => new RabbitMqDelayedRedelivery(options, sp.GetRequiredService<ILogger<RabbitMqDelayedRedelivery>>()));
            services.AddHostedService<QueueDepthMonitor>();
            if (options.ConsumersEnabled)
            {
                services.AddHostedService(sp => new OffWalletQueues(options, configuration, sp.GetRequiredService<ILogger<OffWalletQueues>>()));
            }
        }

        return services;
    }

    /// <summary>
    /// A replicated quorum queue that dead-letters (at least once) into its own <c>_error</c> queue once a message has
    /// been delivered <paramref name="deliveryLimit"/> times without an ack, so a message that keeps killing its
    /// consumer ends where the operator looks, never silently dropped (RabbitMQ 4 drops it after 20 deliveries when
    /// no dead-letter exchange is set).
    /// </summary>
    private static void ConfigureQuorumQueue(IRabbitMqReceiveEndpointConfigurator endpoint, string queueName, int deliveryLimit)
    {
        var errorQueue = queueName + HostQueues.ErrorSuffix;
        QuorumArguments(endpoint, errorQueue, deliveryLimit);

        // MassTransit declares the error queue with the arguments of the queue it serves; the dead-letter binding
        // declares it first, so it must use the very same ones or the broker refuses one of the two declarations.
        endpoint.BindDeadLetterQueue(errorQueue, errorQueue, binding => QuorumArguments(binding, errorQueue, deliveryLimit));
    }

    private static void QuorumArguments(IRabbitMqQueueConfigurator queue, string deadLetterExchange, int deliveryLimit)
    {
        queue.SetQuorumQueue();
        queue.SetQueueArgument("x-delivery-limit", deliveryLimit);
        queue.SetQueueArgument("x-dead-letter-strategy", "at-least-once");
        queue.SetQueueArgument("x-overflow", "reject-publish");
        queue.SetQueueArgument("x-dead-letter-exchange", deadLetterExchange);
    }
}
