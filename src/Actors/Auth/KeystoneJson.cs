using System.Net;
using System.Text.Json;
using OpenStack.Actors.Transport;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

/// <summary>Pieces of Keystone v3 request bodies that several auth methods write.</summary>
internal static class KeystoneJson
{
    /// <summary>Writes an object (a user, a project) named <paramref name="property"/> that Keystone finds by id, or else by
    /// name within a domain.</summary>
    internal static void WriteIdOrNameInDomain(Utf8JsonWriter w, string property, string? id, string? name, string? domainId, string? domainName,
        Action<Utf8JsonWriter>? more = null)
    {
        w.WriteStartObject(property);
        if (id is not null) w.WriteString("id", id);
        else
        {
            w.WriteString("name", name);
            WriteDomain(w, domainId, domainName);
        }
        more?.Invoke(w);
        w.WriteEndObject();
    }

    internal static void WriteDomain(Utf8JsonWriter w, string? id, string? name)
    {
        w.WriteStartObject("domain");
        if (id is not null) w.WriteString("id", id);
        else w.WriteString("name", name ?? "Default");
        w.WriteEndObject();
    }
}
