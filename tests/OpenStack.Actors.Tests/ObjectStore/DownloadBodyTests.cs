using OpenStack.Actors.Http;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using Xunit;

namespace OpenStack.Actors.Tests.ObjectStore;

/// <summary>A download's body copy: a read that breaks off is the connection's (transient), a write that fails the disk's (final).</summary>
public sealed class DownloadBodyTests
{
    [Fact]
    public async Task A_body_that_breaks_off_mid_read_is_a_transient_connection_failure_naming_the_object()
    {
        var body = new BreakingStream(failOnRead: true);
        var e = await Assert.ThrowsAsync<ConnectionFailedException>(() =>
            ObjectStoreClient.CopyBodyAsync(body, new MemoryStream(), "photos", "d1/cat.jpg", CancellationToken.None));
        Assert.Equal("The download of 'photos/d1/cat.jpg' broke off: The response ended prematurely. (ResponseEnded)", e.Message);
        Assert.True(TransientFailures.IsTransient(e));
    }

    [Fact]
    public async Task A_file_that_cannot_be_written_stays_a_local_error_that_no_retry_fixes()
    {
        var e = await Assert.ThrowsAsync<IOException>(() =>
            ObjectStoreClient.CopyBodyAsync(new MemoryStream([1, 2, 3]), new BreakingStream(failOnRead: false), "photos", "cat.jpg", CancellationToken.None));
        Assert.Equal("No space left on device", e.Message);
        Assert.False(TransientFailures.IsTransient(e));
    }

    /// <summary>Fails its first read (as a response body whose connection dropped) or its first write (as a full disk).</summary>
    private sealed class BreakingStream(bool failOnRead) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) =>
            failOnRead ? throw new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely.") : 0;
        public override void Write(byte[] buffer, int offset, int count) =>
            throw new IOException("No space left on device");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
