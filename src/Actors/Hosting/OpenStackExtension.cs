using System.Collections.Concurrent;
using Akka.Actor;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;

namespace OpenStack.Actors.Hosting;

/// <summary>
/// The Akka extension: works in any ActorSystem, with or without Akka.Hosting. Adds the library's defaults
/// (<c>reference.conf</c>) as a fallback and creates named sessions as top-level actors.
/// </summary>
public sealed class OpenStackExtension : IExtension
{
    private readonly ExtendedActorSystem _system;
    private readonly ConcurrentDictionary<string, OpenStackSession> _sessions = new();

    /// <summary>Created by <see cref="Get"/>.</summary>
    public OpenStackExtension(ExtendedActorSystem system)
    {
        _system = system;
        system.Settings.InjectTopLevelFallback(SessionSettings.DefaultConfig());
        Settings = SessionSettings.Create(system);
    }

    /// <summary>The extension of this system, created with its session on first use.</summary>
    public static OpenStackExtension Get(ActorSystem system) => system.WithExtension<OpenStackExtension, OpenStackExtensionProvider>();

    /// <summary>Settings read from <c>openstack.session</c>.</summary>
    public SessionSettings Settings { get; }

    /// <summary>Creates a session actor named <paramref name="name"/> (one per cloud and identity).</summary>
    /// <exception cref="InvalidOperationException">A session of that name exists.</exception>
    public OpenStackSession CreateSession(IAuthenticator authenticator, string name = "openstack-session", SessionSettings? settings = null,
        HttpMessageHandler? handler = null)
    {
        var effective = settings ?? Settings;
        lock (_sessions)
        {
            if (_sessions.ContainsKey(name)) throw new InvalidOperationException($"An OpenStack session named '{name}' exists already");
            var session = new OpenStackSession(_system.ActorOf(SessionActor.Props(authenticator, effective, handler), name), effective);
            _sessions[name] = session;
            return session;
        }
    }

    /// <summary>A session created before, by name.</summary>
    public OpenStackSession? GetSession(string name = "openstack-session") => _sessions.TryGetValue(name, out var s) ? s : null;
}

/// <summary>Creates <see cref="OpenStackExtension"/>.</summary>
public sealed class OpenStackExtensionProvider : ExtensionIdProvider<OpenStackExtension>
{
    /// <inheritdoc />
    public override OpenStackExtension CreateExtension(ExtendedActorSystem system) => new(system);
}
