using System.Net;
using System.Text.Json;
using OpenStack.Actors.Transport;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

/// <summary>Keystone v3 application credential: by id, or by name with its user (id, or name and domain). The credential carries its own scope.</summary>
public sealed class KeystoneApplicationCredentialAuthenticator : KeystoneV3Authenticator
{
    private readonly string _secret;

    /// <summary>Creates the authenticator.</summary>
    public KeystoneApplicationCredentialAuthenticator(Uri authUrl, string secret, string? id = null, string? name = null,
        string? userId = null, string? userName = null, string? userDomainName = "Default", string? userDomainId = null)
        : base(authUrl)
    {
        if (id is null && (name is null || (userId is null && userName is null)))
            throw new ArgumentException("An application credential needs an id, or a name and its user");
        _secret = secret;
        Id = id;
        Name = name;
        UserId = userId;
        UserName = userName;
        UserDomainName = userDomainName;
        UserDomainId = userDomainId;
    }

    /// <summary>The credential id.</summary>
    public string? Id { get; }

    /// <summary>The credential name (with a user).</summary>
    public string? Name { get; }

    /// <summary>The owning user's id.</summary>
    public string? UserId { get; }

    /// <summary>The owning user's name.</summary>
    public string? UserName { get; }

    /// <summary>The owning user's domain name.</summary>
    public string? UserDomainName { get; }

    /// <summary>The owning user's domain id.</summary>
    public string? UserDomainId { get; }

    /// <inheritdoc />
    public override string Description =>
        Id is not null ? $"application credential {Id}" : $"application credential {Name} of user {UserId ?? UserName}";

    /// <inheritdoc />
    protected override void WriteAuth(Utf8JsonWriter w)
    {
        w.WriteStartObject("identity");
        w.WriteStartArray("methods");
        w.WriteStringValue("application_credential");
        w.WriteEndArray();
        w.WriteStartObject("application_credential");
        if (Id is not null) w.WriteString("id", Id);
        else
        {
            w.WriteString("name", Name);
            KeystoneJson.WriteIdOrNameInDomain(w, "user", UserId, UserName, UserDomainId, UserDomainName);
        }
        w.WriteString("secret", _secret);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
