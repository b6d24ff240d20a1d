using System.Net;
using System.Text.Json;
using OpenStack.Actors.Transport;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

/// <summary>Keystone v3 token authentication: exchanges an existing token for a (re)scoped one.</summary>
public sealed class KeystoneTokenAuthenticator : KeystoneV3Authenticator
{
    private readonly string _token;

    /// <summary>Creates the authenticator.</summary>
    public KeystoneTokenAuthenticator(Uri authUrl, string token, AuthScope scope) : base(authUrl)
    {
        _token = token;
        Scope = scope;
    }

    /// <summary>The scope requested.</summary>
    public AuthScope Scope { get; }

    /// <inheritdoc />
    public override string Description => $"token, {Scope.Describe()}";

    /// <inheritdoc />
    protected override void WriteAuth(Utf8JsonWriter w)
    {
        w.WriteStartObject("identity");
        w.WriteStartArray("methods");
        w.WriteStringValue("token");
        w.WriteEndArray();
        w.WriteStartObject("token");
        w.WriteString("id", _token);
        w.WriteEndObject();
        w.WriteEndObject();
        Scope.Write(w);
    }
}
