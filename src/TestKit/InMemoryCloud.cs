using Akka.Actor;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;

namespace OpenStack.Actors.TestKit;

/// <summary>How an <see cref="InMemoryCloud"/> is set up.</summary>
public sealed record InMemoryCloudOptions
{
    /// <summary>Keystone's v3 url.</summary>
    public Uri AuthUrl { get; init; } = new(KeystoneFixtures.AuthUrl);

    /// <summary>The root of the object store; the catalog's endpoint is <c>{SwiftRoot}/v1/AUTH_{project id}</c> and <c>/info</c> is
    /// served at <c>{SwiftRoot}/info</c>.</summary>
    public Uri SwiftRoot { get; init; } = new("http://swift.test:8080");

    /// <summary>The region of the catalog's endpoints.</summary>
    public string Region { get; init; } = "RegionOne";

    /// <summary>Whom tokens belong to; the account is <c>AUTH_</c> and its project id.</summary>
    public KeystoneIdentity Identity { get; init; } = KeystoneIdentity.Demo;

    /// <summary>The password Keystone accepts.</summary>
    public string Password { get; init; } = "secret";

    /// <summary>The id of the application credential Keystone accepts (with <see cref="ApplicationCredentialSecret"/>).</summary>
    public string ApplicationCredentialId { get; init; } = "ac-demo";

    /// <summary>The application credential's secret.</summary>
    public string ApplicationCredentialSecret { get; init; } = "ac-secret";

    /// <summary>Life of each token on <see cref="Clock"/>.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The cloud's clock: token expiry and the store's timestamps. Under virtual time pass <c>() =&gt; Sys.Scheduler.Now</c>.</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    /// <summary>The store's limits (its <see cref="InMemoryObjectStoreOptions.Clock"/> is replaced by <see cref="Clock"/>).</summary>
    public InMemoryObjectStoreOptions Store { get; init; } = new();
}

/// <summary>
/// A small stateful cloud for tests that run the real session: a Keystone that issues tokens (password, token and
/// application-credential methods) with a catalog pointing at an <see cref="InMemoryObjectStore"/>, and that store, which
/// answers 401 to a missing, unknown, revoked or expired token. Uploads, listings, large objects and deletes behave as on Swift,
/// so an uploading actor can be tested against it without scripting any reply.
/// </summary>
/// <example><code>
/// var cloud = new InMemoryCloud();
/// var client = cloud.CreateObjectStoreClient(Sys);
/// await client.CreateContainerAsync("photos");
/// await client.PutObjectAsync("photos", "a.jpg", RequestBody.FromBytes(bytes));
/// Assert.Equal(["a.jpg"], cloud.Store.ObjectNames(cloud.Account, "photos"));
/// </code></example>
public sealed class InMemoryCloud
{
    private readonly KeystoneStandIn _keystone;

    /// <summary>Creates the cloud with an empty store.</summary>
    public InMemoryCloud(InMemoryCloudOptions? options = null)
    {
        Options = options ?? new InMemoryCloudOptions();
        Store = new InMemoryObjectStore(Options.Store with { Clock = Options.Clock });
        _keystone = new KeystoneStandIn(new KeystoneRules(Options.AuthUrl, Options.Identity, Catalog, Options.TokenLifetime, Options.Clock, "tok")
        {
            Password = Options.Password,
            ApplicationCredentialSecret = Options.ApplicationCredentialSecret,
            CheckTokenMethod = true,
        });
    }

    /// <summary>The options the cloud was created with.</summary>
    public InMemoryCloudOptions Options { get; }

    /// <summary>The object store behind the catalog's object-store endpoint.</summary>
    public InMemoryObjectStore Store { get; }

    /// <summary>The Swift account of the identity's project: <c>AUTH_{project id}</c>.</summary>
    public string Account => "AUTH_" + (Options.Identity.ProjectId ?? Options.Identity.ProjectName);

    /// <summary>The object-store endpoint of the catalog.</summary>
    public Uri ObjectStoreUrl => new(Options.SwiftRoot.GetLeftPart(UriPartial.Authority) + Options.SwiftRoot.AbsolutePath.TrimEnd('/') + "/v1/" + Account);

    /// <summary>Tokens Keystone issued.</summary>
    public int TokensIssued => _keystone.Issued;

    /// <summary>The token issued last, if any.</summary>
    public string? LastToken => _keystone.LastToken;

    /// <summary>The catalog in each token: identity and the object store, public and internal, in <see cref="InMemoryCloudOptions.Region"/>.</summary>
    public CatalogBuilder Catalog() => new CatalogBuilder()
        .Add("identity", Options.AuthUrl.AbsoluteUri, region: Options.Region)
        .AddService("object-store", "swift", Options.Region, ObjectStoreUrl.AbsoluteUri, internalUrl: ObjectStoreUrl.AbsoluteUri);

    /// <summary>A new handler over this cloud (Keystone and the store); each call gives another, so that each can be the
    /// inner handler of its own <see cref="DelegatingHandler"/>.</summary>
    public HttpMessageHandler CreateHandler() => new InMemorySwiftHandler(Store, _keystone);

    /// <summary>A password authenticator for the identity (with <see cref="InMemoryCloudOptions.Password"/> unless given).</summary>
    public KeystonePasswordAuthenticator PasswordAuthenticator(string? password = null) =>
        new(Options.AuthUrl, password ?? Options.Password, AuthScope.ProjectName(Options.Identity.ProjectName ?? "demo", Options.Identity.DomainName),
            userName: Options.Identity.UserName, userDomainName: Options.Identity.DomainName);

    /// <summary>An application-credential authenticator (the cloud's credential id and secret unless given).</summary>
    public KeystoneApplicationCredentialAuthenticator ApplicationCredentialAuthenticator(string? secret = null) =>
        new(Options.AuthUrl, secret ?? Options.ApplicationCredentialSecret, id: Options.ApplicationCredentialId);

    /// <summary>A token authenticator: rescopes a token this Keystone issued (refused once revoked or expired).</summary>
    public KeystoneTokenAuthenticator TokenAuthenticator(string token) =>
        new(Options.AuthUrl, token, AuthScope.ProjectName(Options.Identity.ProjectName ?? "demo", Options.Identity.DomainName));

    /// <summary>Revokes a token: Keystone and the store refuse it from now on.</summary>
    public void Revoke(string token) => _keystone.Revoke(token);

    /// <summary>Revokes every token.</summary>
    public void RevokeAll() => _keystone.RevokeAll();

    /// <summary>A real session (the real <see cref="SessionActor"/>) over this cloud.</summary>
    /// <param name="system">The actor system.</param>
    /// <param name="settings">Session settings; null reads them from the system's configuration.</param>
    /// <param name="authenticator">How to authenticate; null: <see cref="PasswordAuthenticator"/>.</param>
    /// <param name="wrap">Wraps the cloud's handler (a fault-injecting <see cref="DelegatingHandler"/>, a recorder), or null.</param>
    public OpenStackSession CreateSession(ActorSystem system, SessionSettings? settings = null, IAuthenticator? authenticator = null,
        Func<HttpMessageHandler, HttpMessageHandler>? wrap = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        settings ??= SessionSettings.Create(system);
        var handler = wrap is null ? CreateHandler() : wrap(CreateHandler());
        return new OpenStackSession(system.ActorOf(SessionActor.Props(authenticator ?? PasswordAuthenticator(), settings, handler)), settings);
    }

    /// <summary>An object-store client over a new session of this cloud (see <see cref="CreateSession"/>).</summary>
    public ObjectStoreClient CreateObjectStoreClient(ActorSystem system, ObjectStoreSettings? settings = null, SessionSettings? sessionSettings = null,
        Func<HttpMessageHandler, HttpMessageHandler>? wrap = null) =>
        new(CreateSession(system, sessionSettings, wrap: wrap), ServiceFilter.ObjectStore, settings);
}
