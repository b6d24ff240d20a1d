using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Session;
using OpenStack.Actors.Tests.Integration;
using Xunit;
using Xunit.Abstractions;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Tests.Faults;

/// <summary>Bad input in the middle of a batch: each bad file or request gets its own clear, typed error, and the rest of
/// the batch is stored.</summary>
[Collection(DevCloudCollection.Name)]
[Trait("Category", "Integration")]
public sealed class BadInputFaultTests(ITestOutputHelper output) : FaultTestBase(output)
{
    private const string Html500 = "<html><head><title>500 Internal Server Error</title></head>\n<body><h1>Internal Server Error</h1>\n" +
                                   "<p>The server has either erred or is incapable of performing the requested operation.</p></body></html>";

    [Fact]
    public async Task Each_bad_file_fails_with_its_own_clear_error_and_the_rest_of_the_batch_is_stored()
    {
        const int good = 40;
        var root = SmallFiles(good, seed: 6);
        var crlf = Write(root, "d9/bad\r\nname.bin");
        var longName = string.Join('/', Enumerable.Range(0, 5).Select(i => new string((char)('a' + i), 210))) + "/long.bin";   // 1063 bytes
        Write(root, longName);
        var vanishBefore = Write(root, "d5/vanish-before-read.bin");
        var vanishBetween = Write(root, "d6/vanish-between-attempts.bin");
        Write(root, "d3/html-500.bin");
        var between = 0;
        var proxy = Proxy(SwiftUrl, r => (r.Method, r.LastSegment) switch
        {
            // Deleted when its HEAD (skip-identical) arrives: the MD5 is computed after it, from a file that is gone.
            ("HEAD", "vanish-before-read.bin") => Then(() => File.Delete(vanishBefore), FaultAction.Pass),
            // Deleted during its first PUT, which then fails: the retry has to open the file again.
            ("PUT", "vanish-between-attempts.bin") when Interlocked.Increment(ref between) == 1 => Then(() => File.Delete(vanishBetween), FaultAction.Answer(503)),
            ("PUT", "html-500.bin") => new FaultAction.Respond(500, Html500, "text/html; charset=UTF-8"),
            _ => FaultAction.Pass,
        });
        var session = Session(Settings(s => s with { MinBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) }));
        var client = new ObjectStoreClient(session, Via(proxy));
        var container = Container("bad");

        // A HEAD per file (no container listing), so the vanishing file can be deleted when its HEAD arrives.
        var run = await new BatchUploader(client, Sys).StartAsync(new UploadJob(root, container) { Settings = Upload(skip: SkipMode.Md5) with { PreloadListingLimit = 0 } });
        // Meanwhile, bad requests on the same session: refused before anything is sent.
        var badUrl = await Assert.ThrowsAsync<InvalidRequestException>(() => session.GetAsync("http://exa mple.test:99999/x"));
        var crlfUrl = await Assert.ThrowsAsync<InvalidRequestException>(() => session.GetAsync(container + "\r\nX-Injected: 1", Via(proxy)));
        var crlfValue = await Assert.ThrowsAsync<InvalidRequestException>(() => client.PutObjectAsync(container, "note.txt", RequestBody.FromText("x"),
            headers: new Dictionary<string, string> { ["X-Object-Meta-Note"] = "one\r\nX-Injected: yes" }));
        var crlfName = await Assert.ThrowsAsync<InvalidRequestException>(() => client.PutObjectAsync(container, "note.txt", RequestBody.FromText("x"),
            headers: new Dictionary<string, string> { ["X-Bad\r\nName"] = "v" }));
        var summary = await run.Completion;

        Assert.Contains("neither relative nor a valid http(s) url", badUrl.Message);
        Assert.Equal("The url contains CR or LF", crlfUrl.Message);
        Assert.Equal("The value of header 'X-Object-Meta-Note' contains CR or LF", crlfValue.Message);
        Assert.StartsWith("Invalid header name", crlfName.Message);
        Assert.DoesNotContain(proxy.Arrivals, r => r.LastSegment == "note.txt" || r.Target.Contains("Injected", StringComparison.Ordinal) || r.Headers.ContainsKey("X-Injected"));

        var failures = summary.Failures.ToDictionary(f => f.ObjectName!);
        Assert.Equal(5, summary.Failed);
        Assert.Equal(good, summary.Transferred);

        var badName = Assert.IsType<InvalidObjectNameException>(failures["d9/bad\r\nname.bin"].Error);
        Assert.Equal("an object name must not contain CR, LF or NUL", badName.Reason);
        Assert.Equal("the object name is 1063 bytes long; this cluster allows 1024", failures[longName].Reason);
        Assert.Equal("cannot read: the file no longer exists", failures["d5/vanish-before-read.bin"].Reason);
        Assert.IsType<FileNotFoundException>(failures["d5/vanish-before-read.bin"].Error);

        var html = Assert.IsType<HttpErrorException>(failures["d3/html-500.bin"].Error);
        Assert.Equal(HttpStatusCode.InternalServerError, html.Status);
        Assert.Equal("500 Internal Server Error Internal Server Error The server has either erred or is incapable of performing the requested operation.", html.ServerMessage);
        // A 500 may pass: retry.max-attempts (5) in the first pass and in each of the object-store.retries (3) final passes.
        Assert.Equal(5 * 4, proxy.Arrivals.Count(r => r.Method == "PUT" && r.LastSegment == "html-500.bin"));

        // A file that vanished between two attempts is a local error like the one above: reported as such, not retried as a network failure.
        var vanished = failures["d6/vanish-between-attempts.bin"];
        Report($"vanish between attempts: {vanished.Error?.GetType().Name}: {vanished.Reason}; PUT attempts {proxy.Arrivals.Count(r => r.Method == "PUT" && r.LastSegment == "vanish-between-attempts.bin")}");
        Assert.Equal("cannot read: the file no longer exists", vanished.Reason);
        Assert.Equal(1, proxy.Arrivals.Count(r => r.Method == "PUT" && r.LastSegment == "vanish-between-attempts.bin"));

        var stored = await StoredAsync(container);
        Assert.Equal(good, stored.Count);
        Assert.All(stored.Keys, k => Assert.Matches(@"^d\d/f\d{4}\.bin$", k));
        Report($"bad input: {good} stored, failed: {string.Join("; ", summary.Failures.Select(f => $"{Short(f.ObjectName!)} -> {f.Error?.GetType().Name ?? "(no exception)"}: {Escape(f.Reason)}"))}");
    }

    [Fact]
    public async Task An_object_name_over_swifts_limit_is_refused_by_swift_with_its_text_message_as_a_typed_error()
    {
        var client = new ObjectStoreClient(Session(), Via(Proxy(SwiftUrl)));
        var container = Container("long");
        await client.CreateContainerAsync(container);

        // Straight to PutObjectAsync: no /info check on this path, so Swift itself refuses it (a text/plain body, not JSON).
        var e = await Assert.ThrowsAsync<HttpErrorException>(() => client.PutObjectAsync(container, new string('n', 1025), RequestBody.FromText("x")));

        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Equal("Object name length of 1025 longer than 1024", e.ServerMessage);
        await client.PutObjectAsync(container, new string('n', 1024), RequestBody.FromText("x"));   // the limit itself is fine
        Report($"long name: {e.Message[..Math.Min(60, e.Message.Length)]}... -> {e.ServerMessage}");
    }

    /// <summary>For the report line: a long name shortened, control characters escaped (they would break the line).</summary>
    private static string Short(string name) => Escape(name.Length > 40 ? name[..12] + $"...({Encoding.UTF8.GetByteCount(name)} bytes)" : name);

    private static string Escape(string text) => Regex.Replace(text, @"\p{Cc}", m => $"\\x{(int)m.Value[0]:x2}");

    private static T Then<T>(Action action, T result)
    {
        action();
        return result;
    }

    private static string Write(string root, string name)
    {
        var path = Path.Combine(root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes("content of " + name));
        return path;
    }
}
