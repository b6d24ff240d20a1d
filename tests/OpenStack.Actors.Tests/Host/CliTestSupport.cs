using OpenStack.Actors.Host;

namespace OpenStack.Actors.Tests.Host;

/// <summary>Runs the command line in-process with captured output and a chosen environment.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error, CliConsole Console);

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var console = new CliConsole(new StringWriter(), new StringWriter(), interactive: false, environment);
        return await RunAsync(console, args);
    }

    public static async Task<Result> RunAsync(CliConsole console, params string[] args)
    {
        var code = await Cli.RunAsync(args, console);
        return new Result(code, console.OutWriter.ToString()!, console.ErrorWriter.ToString()!, console);
    }

    public static CliConsole NewConsole(IReadOnlyDictionary<string, string?> environment) =>
        new(new StringWriter(), new StringWriter(), interactive: false, environment);

    /// <summary>Only the variables given: the machine's OS_* never leak into a test.</summary>
    public static IReadOnlyDictionary<string, string?> Environment(string cloudsYaml) =>
        new Dictionary<string, string?> { ["OS_CLIENT_CONFIG_FILE"] = cloudsYaml };
}

/// <summary>The temporary directories a test makes, deleted when it is disposed.</summary>
public sealed class TempDirectories : IDisposable
{
    private readonly List<string> _dirs = new();

    /// <summary>A new empty directory.</summary>
    public string New(string prefix = "cli-it-") => Add(Directory.CreateTempSubdirectory(prefix).FullName);

    /// <summary>Deletes <paramref name="dir"/> with the others.</summary>
    public string Add(string dir)
    {
        _dirs.Add(dir);
        return dir;
    }

    public void Dispose()
    {
        foreach (var d in _dirs) if (Directory.Exists(d)) Directory.Delete(d, true);
    }
}
