using OpenStack.Actors.Catalog;
using OpenStack.Actors.Discovery;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Session;

/// <summary>What a <see cref="ServiceClient"/> binds besides its filter: the API version and the headers and options
/// every one of its requests starts from.</summary>
public sealed record ServiceClientOptions
{
    /// <summary>Major version, microversion (<c>X.Y</c> or <c>latest</c>) or discovery; null: the catalog url as it is.</summary>
    public ApiVersionRequest? Api { get; init; }

    /// <summary>Headers sent with every request; a request's own headers of the same name win.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Options for requests that bring none of their own.</summary>
    public RequestOptions? RequestOptions { get; init; }

    /// <summary>No version, headers or options.</summary>
    public static readonly ServiceClientOptions Default = new();
}

/// <summary>
/// One service of the cloud, bound once, like keystoneauth's <c>Adapter</c>: service type, interface, region and name
/// (the <see cref="Filter"/>), the API version and microversion, default headers and options. Its endpoint is resolved
/// once per token (and, when a version is asked for, discovered once per endpoint url for the session's lifetime), not
/// per request; relative urls are joined to the chosen version's endpoint. Get one with <see cref="OpenStackSession.For"/>;
/// it holds no state of its own (the session does), so making many is cheap.
/// </summary>
public sealed class ServiceClient
{
    internal ServiceClient(OpenStackSession session, ServiceFilter filter, ServiceClientOptions options)
    {
        Session = session;
        Filter = filter;
        Options = options;
    }

    /// <summary>The session requests go through.</summary>
    public OpenStackSession Session { get; }

    /// <summary>Chooses the catalog endpoint.</summary>
    public ServiceFilter Filter { get; }

    /// <summary>The bound version, headers and options.</summary>
    public ServiceClientOptions Options { get; }

    /// <summary>This client with another microversion (<c>X.Y</c>, <c>latest</c>, or null for none); the rest stays bound.</summary>
    public ServiceClient WithMicroversion(string? microversion) =>
        new(Session, Filter, Options with { Api = (Options.Api ?? new ApiVersionRequest()) with { Microversion = microversion } });

    /// <summary>The endpoint requests go to, with the chosen version and negotiated microversion. Fetches the version
    /// document (once per endpoint url) even when no version is bound.</summary>
    /// <exception cref="OpenStackException">No endpoint, no such version, an unservable microversion.</exception>
    public Task<ServiceEndpoint> GetEndpointAsync(CancellationToken cancellationToken = default) =>
        Session.DiscoverAsync(new DiscoverService(Filter, (Options.Api ?? new ApiVersionRequest()) with { Discover = true }), cancellationToken);

    /// <summary>Sends a request: <paramref name="url"/> relative to the service's (versioned) endpoint, or absolute.</summary>
    /// <exception cref="OpenStackException">The typed failure the session replied with (e.g. <see cref="MicroversionNotSupportedException"/>).</exception>
    public Task<OpenStackResponse> SendAsync(HttpMethod method, string url, RequestBody? body = null, IReadOnlyDictionary<string, string>? headers = null,
        RequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        var merged = Options.Headers is null ? headers : headers is null ? Options.Headers : SessionRules.WithDefaults(headers, Options.Headers);
        var request = new OpenStackRequest(method, url)
        {
            Service = Filter,
            Api = Options.Api ?? new ApiVersionRequest(),
            Headers = merged,
            Body = body,
            Options = options ?? Options.RequestOptions,
        };
        return Session.SendAsync(request, cancellationToken);
    }

    /// <summary>Sends a HEAD.</summary>
    public Task<OpenStackResponse> HeadAsync(string url, IReadOnlyDictionary<string, string>? headers = null, RequestOptions? options = null,
        CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Head, url, null, headers, options, cancellationToken);

    /// <summary>Sends a GET; a 4xx/5xx throws <see cref="HttpErrorException"/> unless the options say otherwise.</summary>
    public Task<OpenStackResponse> GetAsync(string url, IReadOnlyDictionary<string, string>? headers = null, RequestOptions? options = null,
        CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Get, url, null, headers, options, cancellationToken);

    /// <summary>Sends a DELETE.</summary>
    public Task<OpenStackResponse> DeleteAsync(string url, IReadOnlyDictionary<string, string>? headers = null, RequestOptions? options = null,
        CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Delete, url, null, headers, options, cancellationToken);

    /// <summary>Sends a POST (not retried after its body was sent unless the options say so).</summary>
    public Task<OpenStackResponse> PostAsync(string url, RequestBody? body, IReadOnlyDictionary<string, string>? headers = null, RequestOptions? options = null,
        CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Post, url, body, headers, options, cancellationToken);

    /// <summary>Sends a PUT.</summary>
    public Task<OpenStackResponse> PutAsync(string url, RequestBody? body, IReadOnlyDictionary<string, string>? headers = null, RequestOptions? options = null,
        CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Put, url, body, headers, options, cancellationToken);

    /// <summary>Sends a PATCH (like POST, not retried after its body was sent).</summary>
    public Task<OpenStackResponse> PatchAsync(string url, RequestBody? body, IReadOnlyDictionary<string, string>? headers = null, RequestOptions? options = null,
        CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Patch, url, body, headers, options, cancellationToken);

    /// <summary>Readable.</summary>
    public override string ToString() => $"ServiceClient {Filter}{(Options.Api is { } api ? $" {api}" : "")}";
}
