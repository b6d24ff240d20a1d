using System.Net;
using System.Text.Json;
using OpenStack.Actors.Transport;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

/// <summary>Keystone v3 password authentication: a user by id, or by name within a domain; any scope.</summary>
public sealed class KeystonePasswordAuthenticator : KeystoneV3Authenticator
{
    private readonly string _password;

    /// <summary>Creates the authenticator.</summary>
    public KeystonePasswordAuthenticator(Uri authUrl, string password, AuthScope scope,
        string? userName = null, string? userId = null, string? userDomainName = "Default", string? userDomainId = null)
        : base(authUrl)
    {
        if (userName is null && userId is null) throw new ArgumentException("A user name or user id is required");
        _password = password;
        Scope = scope;
        UserName = userName;
        UserId = userId;
        UserDomainName = userDomainName;
        UserDomainId = userDomainId;
    }

    /// <summary>The scope requested.</summary>
    public AuthScope Scope { get; }

    /// <summary>User name (with a domain), or null when <see cref="UserId"/> is used.</summary>
    public string? UserName { get; }

    /// <summary>The user's id; when set, Keystone ignores the name and domain.</summary>
    public string? UserId { get; }

    /// <summary>The domain the user name is looked up in, by name (when no domain id is given).</summary>
    public string? UserDomainName { get; }

    /// <summary>The domain the user name is looked up in, by id.</summary>
    public string? UserDomainId { get; }

    /// <inheritdoc />
    public override string Description =>
        $"password for user {UserId ?? $"{UserName} in domain {UserDomainId ?? UserDomainName}"}, {Scope.Describe()}";

    /// <inheritdoc />
    protected override void WriteAuth(Utf8JsonWriter w)
    {
        w.WriteStartObject("identity");
        w.WriteStartArray("methods");
        w.WriteStringValue("password");
        w.WriteEndArray();
        w.WriteStartObject("password");
        KeystoneJson.WriteIdOrNameInDomain(w, "user", UserId, UserName, UserDomainId, UserDomainName, u => u.WriteString("password", _password));
        w.WriteEndObject();
        w.WriteEndObject();
        Scope.Write(w);
    }
}
