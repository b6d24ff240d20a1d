using System.Net;
using Akka.TestKit.Xunit2;
using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Config;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Support;
using Xunit;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Transport;

/// <summary>Which failures are the server's (retried, held against the endpoint) and which are the caller's own.</summary>
public sealed class FailureClassificationTests : TestKit
{
    private static readonly SessionSettings FastRetries = SessionSettings.Default with { MinBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(5) };

    private OpenStackSession NewSession(FakeHttp http) =>
        new(Sys.ActorOf(SessionActor.Props(new StaticAuthenticator("t", new Uri("http://cloud.example.com")), FastRetries, http)), FastRetries);

    [Fact]
    public async Task A_body_file_that_cannot_be_opened_is_the_callers_error_sent_once_and_not_retried()
    {
        var http = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.Created));
        var session = NewSession(http);
        var opened = 0;

        var error = await Assert.ThrowsAsync<RequestBodyException>(() => session.PutAsync("/c/o",
            RequestBody.FromStreamFactory(() => { opened++; throw new FileNotFoundException("gone", "/data/o"); }, 10), ServiceFilter.ObjectStore));

        Assert.IsType<FileNotFoundException>(error.InnerException);
        Assert.Contains("could not be read", error.Message);
        Assert.Equal(1, opened);
        Assert.Empty(http.Requests);
    }

    [Fact]
    public async Task A_body_that_fails_while_being_read_is_not_mistaken_for_a_broken_connection()
    {
        var http = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.Created));
        var session = NewSession(http);
        var opened = 0;

        var error = await Assert.ThrowsAsync<RequestBodyException>(() => session.PutAsync("/c/o",
            RequestBody.FromStreamFactory(() => { opened++; return new FailingStream(); }, 1000), ServiceFilter.ObjectStore));

        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal(1, opened);
    }

    [Fact]
    public async Task A_timed_out_attempt_of_an_idempotent_request_is_retried()
    {
        var calls = 0;
        var http = new FakeHttp(async (_, ct) =>
        {
            if (Interlocked.Increment(ref calls) == 1) await Task.Delay(Timeout.Infinite, ct);
            return FakeHttp.Status(HttpStatusCode.OK, "second");
        });
        var session = NewSession(http);

        var response = await session.GetAsync("/slow", ServiceFilter.ObjectStore, options: new RequestOptions { Timeout = TimeSpan.FromMilliseconds(300) });

        Assert.Equal("second", response.Text());
        Assert.Equal(2, calls);
    }

    [Fact]
    public void Control_characters_are_made_visible_in_messages()
    {
        Assert.Equal("a\\u000d\\u000ab\\u001b[31m", Redaction.Printable("a\r\nb\u001b[31m"));
        Assert.Equal("plain name.txt", Redaction.Printable("plain name.txt"));
        var error = new OpenStack.Actors.ObjectStore.InvalidObjectNameException("c", "evil\nname", "contains a newline");
        Assert.DoesNotContain('\n', error.Message);
    }

    private sealed class FailingStream : MemoryStream
    {
        public FailingStream() : base(new byte[1000]) { }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("disk read error");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("disk read error"));
    }
}
