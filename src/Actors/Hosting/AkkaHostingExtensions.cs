using System.Globalization;
using System.Text;
using Akka.Hosting;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;

namespace OpenStack.Actors.Hosting;

/// <summary>Options of <see cref="AkkaHostingExtensions.WithOpenStackSession(AkkaConfigurationBuilder, OpenStackSessionOptions)"/>;
/// every set value is rendered to HOCON and wins over <c>reference.conf</c>.</summary>
public sealed class OpenStackSessionOptions
{
    /// <summary>The session actor's name.</summary>
    public string Name { get; set; } = "openstack-session";

    /// <summary>How tokens are obtained (required).</summary>
    public IAuthenticator? Authenticator { get; set; }

    /// <summary><c>openstack.session.request-timeout</c>.</summary>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary><c>openstack.session.auth-timeout</c>.</summary>
    public TimeSpan? AuthTimeout { get; set; }

    /// <summary><c>openstack.session.retry.max-attempts</c>.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary><c>openstack.session.transport.pool-size</c>.</summary>
    public int? PoolSize { get; set; }

    /// <summary><c>openstack.session.transport.max-connections-per-server</c>.</summary>
    public int? MaxConnectionsPerServer { get; set; }

    /// <summary><c>openstack.session.transport.verify-tls</c>.</summary>
    public bool? VerifyTls { get; set; }

    /// <summary><c>openstack.session.transport.ca-file</c>.</summary>
    public string? CaFile { get; set; }

    /// <summary>An HTTP handler to use instead of the session's own (tests, outbound proxies).</summary>
    public HttpMessageHandler? Handler { get; set; }

    /// <summary>The set options as HOCON.</summary>
    public string ToHocon()
    {
        var sb = new StringBuilder();
        void Add(string key, object? value)
        {
            if (value is null) return;
            var rendered = value switch
            {
                TimeSpan t => $"{(long)t.TotalMilliseconds}ms",
                bool b => b ? "on" : "off",
                string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
            sb.Append("openstack.session.").Append(key).Append(" = ").Append(rendered).Append('\n');
        }
        Add("request-timeout", RequestTimeout);
        Add("auth-timeout", AuthTimeout);
        Add("retry.max-attempts", MaxAttempts);
        Add("transport.pool-size", PoolSize);
        Add("transport.max-connections-per-server", MaxConnectionsPerServer);
        Add("transport.verify-tls", VerifyTls);
        Add("transport.ca-file", CaFile);
        return sb.ToString();
    }
}

/// <summary>Akka.Hosting registration of OpenStack sessions.</summary>
public static class AkkaHostingExtensions
{
    /// <summary>Adds a session with an authenticator and the HOCON settings; registers it in the ActorRegistry as <see cref="SessionActor"/>.</summary>
    public static AkkaConfigurationBuilder WithOpenStackSession(this AkkaConfigurationBuilder builder, IAuthenticator authenticator, string name = "openstack-session") =>
        builder.WithOpenStackSession(new OpenStackSessionOptions { Authenticator = authenticator, Name = name });

    /// <summary>Adds a session configured by a delegate.</summary>
    public static AkkaConfigurationBuilder WithOpenStackSession(this AkkaConfigurationBuilder builder, Action<OpenStackSessionOptions> configure)
    {
        var options = new OpenStackSessionOptions();
        configure(options);
        return builder.WithOpenStackSession(options);
    }

    /// <summary>Adds a session from options: defaults appended, options prepended, the actor registered.</summary>
    public static AkkaConfigurationBuilder WithOpenStackSession(this AkkaConfigurationBuilder builder, OpenStackSessionOptions options)
    {
        var authenticator = options.Authenticator ?? throw new ArgumentException("OpenStackSessionOptions.Authenticator is required", nameof(options));
        builder.AddHocon(SessionSettings.DefaultConfig(), HoconAddMode.Append);
        var hocon = options.ToHocon();
        if (hocon.Length > 0) builder.AddHocon(hocon, HoconAddMode.Prepend);
        builder.WithActors((system, registry) =>
        {
            var session = OpenStackExtension.Get(system).CreateSession(authenticator, options.Name, SessionSettings.Create(system), options.Handler);
            registry.TryRegister<SessionActor>(session.Actor);
            registry.TryRegister<OpenStackSessionKey>(session.Actor);
        });
        return builder;
    }
}

/// <summary>ActorRegistry key of the default session (the same actor as the <see cref="SessionActor"/> key).</summary>
public sealed class OpenStackSessionKey;
