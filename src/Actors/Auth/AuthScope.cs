using System.Net;
using System.Text.Json;
using OpenStack.Actors.Transport;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

/// <summary>The scope a Keystone token is requested for.</summary>
public abstract record AuthScope
{
    private protected AuthScope() { }

    /// <summary>No scope: a token without a catalog, good for listing projects.</summary>
    public static AuthScope Unscoped { get; } = new UnscopedScope();

    /// <summary>A project by id.</summary>
    public static AuthScope ProjectId(string id) => new ProjectScope(id, null, null, null);

    /// <summary>A project by name within a domain given by name or id.</summary>
    public static AuthScope ProjectName(string name, string? domainName = "Default", string? domainId = null) => new ProjectScope(null, name, domainName, domainId);

    /// <summary>A domain by id or name.</summary>
    public static AuthScope Domain(string? id = null, string? name = null) => new DomainScope(id, name);

    internal abstract void Write(Utf8JsonWriter w);

    internal abstract string Describe();
}

internal sealed record UnscopedScope : AuthScope
{
    internal override void Write(Utf8JsonWriter w) { }

    internal override string Describe() => "unscoped";
}

internal sealed record ProjectScope(string? Id, string? Name, string? DomainName, string? DomainId) : AuthScope
{
    internal override void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("scope");
        KeystoneJson.WriteIdOrNameInDomain(w, "project", Id, Name, DomainId, DomainName);
        w.WriteEndObject();
    }

    internal override string Describe() => Id is not null ? $"project id {Id}" : $"project {Name} in domain {DomainId ?? DomainName}";
}

internal sealed record DomainScope(string? Id, string? Name) : AuthScope
{
    internal override void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("scope");
        w.WriteStartObject("domain");
        if (Id is not null) w.WriteString("id", Id);
        else w.WriteString("name", Name);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    internal override string Describe() => $"domain {Id ?? Name}";
}
