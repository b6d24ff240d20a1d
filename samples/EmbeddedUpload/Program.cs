using EmbeddedUpload;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: EmbeddedUpload <cloud> <directory> <container>   (clouds.yaml via OS_CLIENT_CONFIG_FILE etc.)");
    return 2;
}
var result = await SampleApp.RunAsync(args[0], args[1], args[2]);
Console.WriteLine($"Uploaded: {result.Uploaded}  Failed: {result.Failures.Count}");
foreach (var failure in result.Failures) Console.WriteLine($"  {failure}");
return result.Failures.Count == 0 ? 0 : 1;
