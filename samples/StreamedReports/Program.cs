using StreamedReports;

if (args.Length != 3 || !int.TryParse(args[2], out var count) || count < 1)
{
    Console.Error.WriteLine("usage: StreamedReports <cloud> <container> <reports>   (clouds.yaml via OS_CLIENT_CONFIG_FILE etc.)");
    return 2;
}
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl-C stops the producer; the reports in flight are still stored.
    e.Cancel = true;
    stop.Cancel();
};
var result = await ReportPipeline.RunAsync(args[0], args[1], count, stop: stop.Token);
Console.WriteLine($"Uploaded: {result.Uploaded}  Failed: {result.Failures.Count}  Most ahead of Swift: {result.MostAhead}  Listed: {result.Listed}");
foreach (var failure in result.Failures) Console.WriteLine($"  {failure}");
return result.Failures.Count == 0 ? 0 : 1;
