namespace OpenStack.Actors.TestKit;

/// <summary>The HTTP handler of the fake session: its transport and authenticator are scripted, so nothing may reach
/// the network; a request that does is a bug of the test kit, reported as such.</summary>
internal sealed class NoNetworkHandler : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"FakeSession sends nothing over the network, yet {request.Method} {Redaction.Url(request.RequestUri!)} was sent");
}
