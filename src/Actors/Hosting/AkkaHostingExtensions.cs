using System.Globalization;
using System.Text;
using Akka.Event;
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

    /// <summary>How tokens are obtained. Null: from <see cref="Cloud"/>.</summary>
    public IAuthenticator? Authenticator { get; set; }

    /// <summary>A cloud of clouds.yaml (with secure.yaml; OS_* variables when null and no <see cref="Authenticator"/>):
    /// supplies the authenticator and the TLS settings.</summary>
    public string? Cloud { get; set; }

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

    /// <summary>Reads options from a configuration section (e.g. <c>appsettings.json</c>'s <c>"OpenStack"</c>): keys
    /// <c>Name</c>, <c>Cloud</c>, <c>RequestTimeout</c>, <c>AuthTimeout</c> (TimeSpan text such as <c>00:01:00</c>),
    /// <c>MaxAttempts</c>, <c>PoolSize</c>, <c>MaxConnectionsPerServer</c>, <c>VerifyTls</c>, <c>CaFile</c>.</summary>
    /// <exception cref="FormatException">A value does not parse; the message names the key.</exception>
    public static OpenStackSessionOptions FromConfiguration(Microsoft.Extensions.Configuration.IConfiguration section)
    {
        T? Read<T>(string key, Func<string, T> parse) where T : struct
        {
            var text = section[key];
            if (string.IsNullOrWhiteSpace(text)) return null;
            try
            {
                return parse(text);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                throw new FormatException($"OpenStack option '{key}' = '{text}' is not valid: {e.Message}", e);
            }
        }
        var options = new OpenStackSessionOptions
        {
            Cloud = section["Cloud"],
            CaFile = section["CaFile"],
            RequestTimeout = Read("RequestTimeout", t => TimeSpan.Parse(t, CultureInfo.InvariantCulture)),
            AuthTimeout = Read("AuthTimeout", t => TimeSpan.Parse(t, CultureInfo.InvariantCulture)),
            MaxAttempts = Read("MaxAttempts", t => int.Parse(t, CultureInfo.InvariantCulture)),
            PoolSize = Read("PoolSize", t => int.Parse(t, CultureInfo.InvariantCulture)),
            MaxConnectionsPerServer = Read("MaxConnectionsPerServer", t => int.Parse(t, CultureInfo.InvariantCulture)),
            VerifyTls = Read("VerifyTls", bool.Parse),
        };
        if (section["Name"] is { Length: > 0 } name) options.Name = name;
        return options;
    }

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

/// <summary>
/// Akka.Hosting registration of OpenStack sessions. Each session is registered in the ActorRegistry under a key type:
/// <see cref="SessionActor"/> and <see cref="OpenStackSessionKey"/> by default, or your own <c>TKey</c> so that several
/// clouds (or identities) live side by side and are injected as <c>IRequiredActor&lt;TKey&gt;</c>.
/// </summary>
public static class AkkaHostingExtensions
{
    /// <summary>Adds a session for a cloud of clouds.yaml; its actor is named after the cloud.</summary>
    public static AkkaConfigurationBuilder WithOpenStackSession(this AkkaConfigurationBuilder builder, string cloud) =>
        builder.WithOpenStackSession(new OpenStackSessionOptions { Cloud = cloud, Name = cloud });

    /// <summary>Adds a session with an authenticator and the HOCON settings.</summary>
    public static AkkaConfigurationBuilder WithOpenStackSession(this AkkaConfigurationBuilder builder, IAuthenticator authenticator, string name = "openstack-session") =>
        builder.WithOpenStackSession(new OpenStackSessionOptions { Authenticator = authenticator, Name = name });

    /// <summary>Adds a session configured by a delegate.</summary>
    public static AkkaConfigurationBuilder WithOpenStackSession(this AkkaConfigurationBuilder builder, Action<OpenStackSessionOptions> configure)
    {
        var options = new OpenStackSessionOptions();
        configure(options);
        return builder.WithOpenStackSession(options);
    }

    /// <summary>Adds the default session from options, registered under <see cref="SessionActor"/> and <see cref="OpenStackSessionKey"/>.</summary>
    public static AkkaConfigurationBuilder WithOpenStackSession(this AkkaConfigurationBuilder builder, OpenStackSessionOptions options) =>
        builder.AddOpenStackSession(options, (registry, actor) =>
        {
            registry.TryRegister<SessionActor>(actor);
            registry.TryRegister<OpenStackSessionKey>(actor);
        });

    /// <summary>Adds a session for a cloud of clouds.yaml, registered under <typeparamref name="TKey"/>.</summary>
    public static AkkaConfigurationBuilder WithOpenStackSession<TKey>(this AkkaConfigurationBuilder builder, string cloud) =>
        builder.WithOpenStackSession<TKey>(new OpenStackSessionOptions { Cloud = cloud, Name = cloud });

    /// <summary>Adds a session configured by a delegate, registered under <typeparamref name="TKey"/>.</summary>
    public static AkkaConfigurationBuilder WithOpenStackSession<TKey>(this AkkaConfigurationBuilder builder, Action<OpenStackSessionOptions> configure)
    {
        var options = new OpenStackSessionOptions { Name = typeof(TKey).Name };
        configure(options);
        return builder.WithOpenStackSession<TKey>(options);
    }

    /// <summary>Adds a session from options, registered under <typeparamref name="TKey"/> (inject it as <c>IRequiredActor&lt;TKey&gt;</c>).</summary>
    public static AkkaConfigurationBuilder WithOpenStackSession<TKey>(this AkkaConfigurationBuilder builder, OpenStackSessionOptions options) =>
        builder.AddOpenStackSession(options, (registry, actor) => registry.Register<TKey>(actor));

    private static AkkaConfigurationBuilder AddOpenStackSession(this AkkaConfigurationBuilder builder, OpenStackSessionOptions options,
        Action<IActorRegistry, Akka.Actor.IActorRef> register)
    {
        // Resolved now, so a bad cloud name or clouds.yaml fails at start-up with its own message.
        var cloud = options.Authenticator is null ? CloudConfig.Load(options.Cloud) : null;
        var authenticator = options.Authenticator ?? cloud!.CreateAuthenticator();
        var objectStoreFilter = cloud?.Filter("object-store");
        builder.AddHocon(SessionSettings.DefaultConfig(), HoconAddMode.Append);
        var hocon = options.ToHocon();
        if (hocon.Length > 0) builder.AddHocon(hocon, HoconAddMode.Prepend);
        builder.WithActors((system, registry) =>
        {
            var settings = SessionSettings.Create(system);
            if (cloud is not null)
            {
                settings = cloud.ApplyTo(settings);
                foreach (var warning in cloud.Warnings) system.Log.Warning("{0}", warning);
            }
            var extension = OpenStackExtension.Get(system);
            var session = extension.CreateSession(authenticator, options.Name, settings, options.Handler);
            if (objectStoreFilter is not null) extension.UseObjectStoreFilter(options.Name, objectStoreFilter);
            register(registry, session.Actor);
        });
        return builder;
    }
}

/// <summary>ActorRegistry key of the default session (the same actor as the <see cref="SessionActor"/> key).</summary>
public sealed class OpenStackSessionKey;
