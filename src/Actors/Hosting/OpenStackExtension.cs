using System.Collections.Concurrent;
using Akka.Actor;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.ObjectStore;
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
    private readonly ConcurrentDictionary<string, ServiceFilter> _objectStoreFilters = new();
    private readonly ConcurrentDictionary<string, ObjectStoreClient> _objectStores = new();

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

    /// <summary>
    /// The object-store client of a session created before (one per session, made on first use): what the stages of
    /// <see cref="ObjectStoreStreams"/> and the batches take. Its settings are <c>openstack.object-store</c> of this
    /// system's config; its endpoint filter is the cloud's (region, interface) for a session of clouds.yaml added with
    /// Akka.Hosting, else the object store's public endpoint.
    /// </summary>
    /// <returns>Null when there is no session of that name.</returns>
    public ObjectStoreClient? GetObjectStore(string name = "openstack-session") =>
        GetSession(name) is { } session
            ? _objectStores.GetOrAdd(name, n => new ObjectStoreClient(session, _objectStoreFilters.GetValueOrDefault(n),
                ObjectStoreSettings.Create(_system.Settings.Config)))
            : null;

    /// <summary>Remembers which endpoint filter the object-store client of session <paramref name="name"/> uses.</summary>
    internal void UseObjectStoreFilter(string name, ServiceFilter filter) => _objectStoreFilters[name] = filter;
}

/// <summary>Creates <see cref="OpenStackExtension"/>.</summary>
public sealed class OpenStackExtensionProvider : ExtensionIdProvider<OpenStackExtension>
{
    /// <inheritdoc />
    public override OpenStackExtension CreateExtension(ExtendedActorSystem system) => new(system);
}
