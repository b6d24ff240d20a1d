using System.Diagnostics.Tracing;

namespace OpenStack.Actors.Benchmarks;

/// <summary>
/// Where the bytes per request go: runs each of the benchmark's methods many times and samples the runtime's
/// allocation ticks (one event per ~100 KB allocated, naming the type that crossed the threshold), so the types that
/// dominate show up in proportion; before that, a pass without the listener times the request rate (BenchmarkDotNet
/// gives the careful timings). <c>dotnet run -c Release -- alloc [concurrency] [body bytes] [requests] [rounds]</c>.
/// </summary>
internal static class AllocationProfile
{
    /// <summary>Runs one method for a while, for a profiler to attach (<c>dotnet-trace collect -p PID</c>):
    /// <c>loop [raw|session|tell] [concurrency] [body bytes] [seconds]</c>.</summary>
    public static async Task LoopAsync(string[] args)
    {
        var bench = new SessionOverheadBenchmarks { Concurrency = int.Parse(args[2]), BodyBytes = int.Parse(args[3]) };
        await bench.Setup();
        Func<Task> run = args[1] switch { "raw" => bench.RawHttpClient, "session" => bench.SessionGetAsync, _ => bench.ActorTellReply };
        Console.WriteLine($"pid {Environment.ProcessId}: {args[1]} for {args[4]} s");
        var until = DateTime.UtcNow.AddSeconds(int.Parse(args[4]));
        long operations = 0;
        while (DateTime.UtcNow < until)
        {
            await run();
            operations++;
        }
        Console.WriteLine($"{operations * bench.Concurrency / double.Parse(args[4]):F0} requests/s");
        await bench.Cleanup();
    }

    public static async Task RunAsync(string[] args)
    {
        var bench = new SessionOverheadBenchmarks
        {
            Concurrency = args.Length > 1 ? int.Parse(args[1]) : 16,
            BodyBytes = args.Length > 2 ? int.Parse(args[2]) : 0,
        };
        var requests = args.Length > 3 ? int.Parse(args[3]) : 100_000;
        var rounds = args.Length > 4 ? int.Parse(args[4]) : 7;
        await bench.Setup();
        try
        {
            var methods = new (string Name, Func<Task> Run)[]
            {
                ("RawHttpClient", bench.RawHttpClient), ("SessionGetAsync", bench.SessionGetAsync), ("ActorTellReply", bench.ActorTellReply),
            };
            var perRequest = new Dictionary<string, double>();
            var invocations = requests / bench.Concurrency;
            foreach (var (_, run) in methods)
                for (var i = 0; i < 30_000 / bench.Concurrency + 1; i++) await run();   // warm-up: tiered JIT, connections, thread pool

            // The rates in alternating rounds, so drift on a shared machine hits all alike; the order rotates from round to
            // round, so no method always runs right after another's garbage. Each round's time and CPU are also compared with
            // raw HttpClient's in the same round (paired ratios), which cancels the drift between rounds. CPU time is the whole
            // process's (the in-process server's share is the same for every method).
            var rates = methods.ToDictionary(m => m.Name, _ => new List<double>());
            var cpu = methods.ToDictionary(m => m.Name, _ => new List<double>());
            var workItems = methods.ToDictionary(m => m.Name, _ => 0L);
            var collections = methods.ToDictionary(m => m.Name, _ => 0L);
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            for (var round = 0; round < rounds; round++)
            {
                for (var k = 0; k < methods.Length; k++)
                {
                    var (name, run) = methods[(round + k) % methods.Length];
                    process.Refresh();
                    var cpuBefore = process.TotalProcessorTime;
                    var itemsBefore = ThreadPool.CompletedWorkItemCount;
                    var gcBefore = GC.CollectionCount(0);
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    for (var i = 0; i < invocations; i++) await run();
                    workItems[name] += ThreadPool.CompletedWorkItemCount - itemsBefore;
                    collections[name] += GC.CollectionCount(0) - gcBefore;
                    rates[name].Add(invocations * bench.Concurrency / System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
                    process.Refresh();
                    cpu[name].Add((process.TotalProcessorTime - cpuBefore).TotalMicroseconds / (invocations * bench.Concurrency));
                }
            }
            foreach (var (name, run) in methods)
            {
                using var listener = new AllocationListener();
                var before = GC.GetTotalAllocatedBytes(precise: true);
                for (var i = 0; i < invocations; i++) await run();
                var bytes = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)(invocations * bench.Concurrency);
                perRequest[name] = bytes;
                var sorted = rates[name].Order().ToList();
                Console.WriteLine($"\n{name}: {bytes:F0} B per request, median {sorted[sorted.Count / 2]:F0} requests/s " +
                    $"(rounds: {string.Join(", ", rates[name].Select(r => r.ToString("F0")))}; concurrency {bench.Concurrency}, body {bench.BodyBytes} B), " +
                    $"median {Median(cpu[name]):F1} us CPU per request (rounds: {string.Join(", ", cpu[name].Select(c => c.ToString("F1")))})");
                Console.WriteLine($"  thread-pool work items per request {workItems[name] / (double)(rounds * invocations * bench.Concurrency):F2}, " +
                    $"gen0 collections per 10,000 requests {collections[name] * 10_000.0 / (rounds * invocations * bench.Concurrency):F2}");
                foreach (var (type, amount) in listener.ByType.OrderByDescending(t => t.Value).Take(30))
                    Console.WriteLine($"  {amount / (double)(invocations * bench.Concurrency),8:F0} B  {type}");
            }
            var raw = Median(rates["RawHttpClient"]);
            foreach (var name in new[] { "SessionGetAsync", "ActorTellReply" })
            {
                var time = rates[name].Select((rate, r) => rates["RawHttpClient"][r] / rate).ToList();
                var cpuRatio = cpu[name].Select((c, r) => c / cpu["RawHttpClient"][r]).ToList();
                Console.WriteLine($"{name}: rate {Median(rates[name]) / raw:P0} of raw HttpClient's (medians of {rounds} rounds); " +
                    $"time vs raw in the same round {Median(time):F3}x (quartiles {Quantile(time, 0.25):F3}-{Quantile(time, 0.75):F3}); " +
                    $"CPU per request vs raw in the same round {Median(cpuRatio):F3}x (quartiles {Quantile(cpuRatio, 0.25):F3}-{Quantile(cpuRatio, 0.75):F3})");
            }
            foreach (var name in new[] { "SessionGetAsync", "ActorTellReply" })
                Console.WriteLine($"{name}: {perRequest[name] - perRequest["RawHttpClient"]:F0} B per request beyond raw HttpClient");
        }
        finally
        {
            await bench.Cleanup();
        }
    }

    private static double Median(List<double> values) => Quantile(values, 0.5);

    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        var at = q * (sorted.Count - 1);
        var low = (int)Math.Floor(at);
        return low + 1 < sorted.Count ? sorted[low] + (at - low) * (sorted[low + 1] - sorted[low]) : sorted[low];
    }

    /// <summary>Sums the runtime's GCAllocationTick events by type name (weighted by the bytes each stands for).</summary>
    private sealed class AllocationListener : EventListener
    {
        private readonly object _gate = new();
        private readonly Dictionary<string, long> _byType = new();

        public Dictionary<string, long> ByType
        {
            get { lock (_gate) return new(_byType); }
        }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);   // GC keyword
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (!e.EventName!.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
            var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
            var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a]) : 100_000;
            lock (_gate) _byType[type] = _byType.GetValueOrDefault(type) + amount;
        }
    }
}
