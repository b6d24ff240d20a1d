using System.Reflection;

namespace OpenStack.Actors.Transport;

/// <summary>Settings of the transport pool (HOCON <c>openstack.session.transport</c>).</summary>
public sealed record TransportSettings
{
    /// <summary>TransportActors in the pool.</summary>
    public int PoolSize { get; init; } = 4;

    /// <summary>round-robin, random or smallest-mailbox.</summary>
    public string Routing { get; init; } = "round-robin";

    /// <summary>Requests one TransportActor has on the wire at once.</summary>
    public int MaxInFlightPerTransport { get; init; } = 64;

    /// <summary>Connection limit per server of the shared handler.</summary>
    public int MaxConnectionsPerServer { get; init; } = 256;

    /// <summary>TCP/TLS connect timeout.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Idle pooled connections are closed after this.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; init; } = TimeSpan.FromSeconds(50);

    /// <summary>Pooled connections are recycled after this (DNS changes are seen).</summary>
    public TimeSpan PooledConnectionLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Verify server certificates.</summary>
    public bool VerifyTls { get; init; } = true;

    /// <summary>A PEM bundle of CA certificates to trust, or null for the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>A PEM client certificate for mutual TLS, or null.</summary>
    public string? ClientCertFile { get; init; }

    /// <summary>The PEM private key of <see cref="ClientCertFile"/>; null when the certificate file holds it.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>The <c>User-Agent</c> sent with every request.</summary>
    public static string UserAgent { get; } =
        "OpenStack.Actors/" + (typeof(TransportSettings).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0");
}
