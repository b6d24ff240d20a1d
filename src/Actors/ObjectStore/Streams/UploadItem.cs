namespace OpenStack.Actors.ObjectStore;

/// <summary>
/// One object for <see cref="ObjectStoreStreams.Upload(ObjectStoreClient, string, ObjectStoreSettings?)"/>: its name, a
/// factory for its body, and its length when known. An item of known length up to the segment size is one PUT, its body
/// opened anew for every attempt (so a retry resends the same bytes); a longer one, or one of unknown length, is read once,
/// one segment at a time, into a Static Large Object (each segment PUT retried in place, the manifest stored last).
/// </summary>
/// <param name="ObjectName">The object's name in the container.</param>
/// <param name="OpenBody">Opens the body at its start; the flow disposes what it returns. Called once per attempt.</param>
/// <param name="Length">The body's length in bytes, or null when only its end tells (then it is read as a stream).</param>
public sealed record UploadItem(string ObjectName, Func<Stream> OpenBody, long? Length)
{
    /// <summary>The object's headers (<c>Content-Type</c>, <c>X-Object-Meta-*</c>, <c>X-Delete-After</c>...), in place of the
    /// flow's; without a <c>Content-Type</c> it is guessed from the name.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The body's MD5 (hex) when the producer knows it: sent for Swift to verify, and, unless the skip mode is
    /// <see cref="SkipMode.None"/>, an object stored already with this MD5 and length is skipped. Null: the body is hashed
    /// while it is sent, and always sent.</summary>
    public string? Md5 { get; init; }

    /// <summary>An item whose body is a byte array (copied by reference: do not change it while the flow runs).</summary>
    public static UploadItem FromBytes(string objectName, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return new UploadItem(objectName, () => new MemoryStream(bytes, writable: false), bytes.LongLength);
    }
}
