using System.Diagnostics;

namespace OpenStack.Actors.ObjectStore;

// The upload of an item a stream produced (a body factory, not a file).
internal sealed partial class FileUploader
{
    /// <summary>Uploads an item of known length that fits in one segment as one PUT (skipped when its MD5 is given and
    /// stored already). Never throws.</summary>
    internal async Task<FileResult> ProcessItemAsync(UploadItem item)
    {
        var started = Stopwatch.GetTimestamp();
        var length = item.Length ?? 0;
        try
        {
            _cancel.ThrowIfCancellationRequested();
            if (NameProblem(item.ObjectName) is { } problem) return new FileFailed(item.ObjectName, item.ObjectName, length, problem);
            UploadHeaders.Validate(item.Headers);
            if (_settings.Skip != SkipMode.None && item.Md5 is { } md5 && await IsStoredAsync(item.ObjectName, length, md5).ConfigureAwait(false))
                return new FileSkipped(item.ObjectName, item.ObjectName, length, "identical (same MD5)");
            if (_dryRun) return new FilePlanned(item.ObjectName, item.ObjectName, length, TransferAction.Upload);
            PutObjectResult put;
            using (await _gate.AcquireAsync(length, _cancel).ConfigureAwait(false))
            {
                put = await PutAsync(_container, item.ObjectName, item.OpenBody, length, item.Md5, UploadHeaders.For(item.Headers ?? _headers, item.ObjectName),
                    _cancel).ConfigureAwait(false);
            }
            return new FileUploaded(item.ObjectName, item.ObjectName, length, put.ETag, 0, 0, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e)
        {
            var cause = e is Http.RequestBodyException { InnerException: { } local } ? local : e;   // the producer, not the cloud
            return new FileFailed(item.ObjectName, item.ObjectName, length, FailureText.Describe(cause)) { Error = cause };
        }
    }

    /// <summary>True when a plain object of this length and MD5 is stored under the name. The container's listing decides
    /// where it has the answer (absent, or a plain object with its MD5), as it does for files; otherwise a HEAD does.</summary>
    private async Task<bool> IsStoredAsync(string objectName, long length, string md5)
    {
        var listed = await ListedAsync(objectName).ConfigureAwait(false);
        if (listed.IsAbsent) return false;
        if (listed.IsPlainOfLength(length)) return listed.IsIdentical(length, md5);
        return await _client.HeadObjectAsync(_container, objectName, _cancel).ConfigureAwait(false) is { ETagIsContentMd5: true } head
            && head.ContentLength == length && Checksums.SameETag(md5, head.ETag);
    }

    /// <summary>True when the item goes as a stream read once (segment by segment when it outgrows one).</summary>
    internal bool Streamed(UploadItem item) => item.Length is not { } length || SegmentPlan.For(length, _settings.SegmentSize, _capabilities).Segmented;

    /// <summary>Uploads an item of unknown length, or one longer than a segment, as <see cref="ProcessStreamAsync"/> does. Never throws.</summary>
    internal async Task<FileResult> ProcessStreamedItemAsync(UploadItem item, OutageMonitor monitor)
    {
        Stream body;
        try
        {
            UploadHeaders.Validate(item.Headers);
            body = item.OpenBody();
        }
        catch (Exception e)
        {
            return new FileFailed(item.ObjectName, item.ObjectName, item.Length ?? 0, FailureText.Describe(e)) { Error = e };
        }
        await using (body.ConfigureAwait(false))
        {
            return await ProcessStreamAsync(body, item.ObjectName, item.ObjectName, monitor, item.Headers).ConfigureAwait(false);
        }
    }
}
