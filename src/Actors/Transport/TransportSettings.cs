using System.Reflection;

namespace OpenStack.Actors.Transport;

/// <summary>Settings of the transport pool (HOCON <c>openstack.session.transport</c>). The defaults are in
/// <c>reference.conf</c> only: start from <see cref="Default"/> or <see cref="Create"/> and change values with <c>with</c>.</summary>
public sealed record TransportSettings
{
    /// <summary>The defaults of <c>reference.conf</c>.</summary>
    public static TransportSettings Default { get; } = Create(null);

    /// <summary>TransportActors in the pool.</summary>
    public required int PoolSize { get; init; }

    /// <summary>How the pool spreads requests over its TransportActors.</summary>
    public required TransportRouting Routing { get; init; }

    /// <summary>Requests one TransportActor has on the wire at once.</summary>
    public required int MaxInFlightPerTransport { get; init; }

    /// <summary>Connection limit per server of the shared handler.</summary>
    public required int MaxConnectionsPerServer { get; init; }

    /// <summary>TCP/TLS connect timeout.</summary>
    public required TimeSpan ConnectTimeout { get; init; }

    /// <summary>Idle pooled connections are closed after this.</summary>
    public required TimeSpan PooledConnectionIdleTimeout { get; init; }

    /// <summary>Pooled connections are recycled after this, so DNS changes are seen.</summary>
    public required TimeSpan PooledConnectionLifetime { get; init; }

    /// <summary>Verify server certificates.</summary>
    public required bool VerifyTls { get; init; }

    /// <summary>Bytes per second of streamed request and response bodies (object data) over the whole pool; 0 for no limit.
    /// One token bucket per session, shared by all its transfers (HOCON <c>bandwidth-limit</c>).</summary>
    public required long BandwidthLimit { get; init; }

    /// <summary>HTTP requests per second the session sends (every attempt: retries, HEADs, listings); 0 for no limit.
    /// Requests wait for their turn before their timeout starts (HOCON <c>requests-per-second</c>).</summary>
    public required double RequestsPerSecond { get; init; }

    /// <summary>A PEM bundle of CA certificates to trust, or null for the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>A PEM client certificate for mutual TLS, or null.</summary>
    public string? ClientCertFile { get; init; }

    /// <summary>The PEM private key of <see cref="ClientCertFile"/>; null when the certificate file holds it.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>The <c>User-Agent</c> sent with every request.</summary>
    public static string UserAgent { get; } =
        "OpenStack.Actors/" + (typeof(TransportSettings).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0");

    /// <summary>Reads <c>openstack.session.transport</c> from <paramref name="config"/>, falling back to <c>reference.conf</c>.</summary>
    /// <exception cref="ArgumentException">A value is invalid (the message names it).</exception>
    public static TransportSettings Create(Akka.Configuration.Config? config)
    {
        var t = ReferenceConfig.Under(config).GetConfig("openstack.session.transport");
        return new TransportSettings
        {
            PoolSize = Math.Max(1, t.GetInt("pool-size")),
            Routing = ParseRouting(t.GetString("routing")),
            MaxInFlightPerTransport = Math.Max(1, t.GetInt("max-in-flight-per-transport")),
            MaxConnectionsPerServer = Math.Max(1, t.GetInt("max-connections-per-server")),
            ConnectTimeout = t.GetTimeSpan("connect-timeout"),
            PooledConnectionIdleTimeout = t.GetTimeSpan("pooled-connection-idle-timeout"),
            PooledConnectionLifetime = t.GetTimeSpan("pooled-connection-lifetime"),
            VerifyTls = t.GetBoolean("verify-tls"),
            BandwidthLimit = NotNegative(t.GetByteSize("bandwidth-limit") ?? 0, "bandwidth-limit"),
            RequestsPerSecond = NotNegative(t.GetDouble("requests-per-second"), "requests-per-second"),
            CaFile = PathOrNull(t.GetString("ca-file", "")),
            ClientCertFile = PathOrNull(t.GetString("client-cert-file", "")),
            ClientKeyFile = PathOrNull(t.GetString("client-key-file", "")),
        };

        static string? PathOrNull(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
        static T NotNegative<T>(T value, string key) where T : System.Numerics.INumber<T> =>
            T.IsNegative(value) || T.IsNaN(value) ? throw new ArgumentException($"openstack.session.transport.{key} must be 0 (no limit) or more, not {value}") : value;
    }

    private static TransportRouting ParseRouting(string value) => value.Trim().ToLowerInvariant() switch
    {
        "round-robin" => TransportRouting.RoundRobin,
        "random" => TransportRouting.Random,
        "smallest-mailbox" => TransportRouting.SmallestMailbox,
        _ => throw new ArgumentException($"openstack.session.transport.routing must be round-robin, random or smallest-mailbox, not '{value}'"),
    };
}

/// <summary>How the transport pool picks a TransportActor for a request (HOCON <c>routing</c>).</summary>
public enum TransportRouting
{
    /// <summary>In turn (<c>round-robin</c>).</summary>
    RoundRobin,

    /// <summary>At random (<c>random</c>).</summary>
    Random,

    /// <summary>The one with the fewest queued messages (<c>smallest-mailbox</c>).</summary>
    SmallestMailbox,
}
