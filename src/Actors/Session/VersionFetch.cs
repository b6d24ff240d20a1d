using Akka.Actor;
using OpenStack.Actors.Config;
using OpenStack.Actors.Discovery;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Session;

/// <summary>A version document looked for: the versions found (null: none, the catalog url is used as it is) and whether
/// the outcome may be kept for the session's lifetime (a connection failure or timeout is not).</summary>
internal sealed record Document(IReadOnlyList<DiscoveredVersion>? Versions, bool Cacheable);

/// <summary>Fetches a service's version document through the session: the catalog url, then the unversioned root.</summary>
internal static class VersionFetch
{
    private static readonly IReadOnlyDictionary<string, string> AcceptJson = new Dictionary<string, string> { ["Accept"] = "application/json" };

    internal static async Task<Document> FetchAsync(IActorRef session, SessionSettings settings, Uri catalogUrl)
    {
        var passing = false;
        foreach (var url in VersionDocument.Candidates(catalogUrl))
        {
            var request = new OpenStackRequest(HttpMethod.Get, url.AbsoluteUri)
            {
                Headers = AcceptJson,
                Options = new RequestOptions { RaiseOnError = false },
            };
            try
            {
                var response = await ReplyPromise.SendAsync(session, request, settings.MaxReplyTime(), CancellationToken.None).ConfigureAwait(false);
                var versions = VersionDocument.TryParse((int)response.Status, response.Body.Span, response.Url);
                if (versions is { Count: > 0 }) return new Document(versions, true);
            }
            catch (OpenStackException e)
            {
                // keystoneauth's behaviour: a document that cannot be fetched leaves the catalog url in use
                passing |= e is ConnectionFailedException or RequestTimeoutException or CircuitOpenException or SessionStoppedException;
            }
        }
        return new Document(null, !passing);
    }
}
