using System.CommandLine;
using OpenStack.Actors.ObjectStore;

namespace OpenStack.Actors.Host;

/// <summary><c>--header 'Name: value'</c> and <c>--meta key=value</c> of <c>upload</c> (as <c>swift upload -H/-m</c>;
/// rclone's <c>--header-upload</c> and <c>--metadata-set</c> are aliases), and the headers they make.</summary>
public sealed class HeaderOptions
{
    /// <summary>Creates the options.</summary>
    public HeaderOptions()
    {
        Header = new Option<string[]>("--header", "-H", "--header-upload")
        {
            Description = "Set this header on every object stored, 'Name: value' (repeatable): X-Object-Meta-*, X-Delete-After, X-Delete-At, " +
                "Content-Type (guessed from the file name when not given), Content-Disposition, Content-Encoding...",
        };
        Meta = new Option<string[]>("--meta", "--metadata-set") { Description = "Set metadata key=value (X-Object-Meta-key: value) on every object stored (repeatable)" };
    }

    /// <summary>--header.</summary>
    public Option<string[]> Header { get; }

    /// <summary>--meta.</summary>
    public Option<string[]> Meta { get; }

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Header);
        command.Options.Add(Meta);
    }

    /// <summary>Adds the usage error of the headers given, if any (so a bad header exits 2 before connecting).</summary>
    public void Validate(System.CommandLine.Parsing.CommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        try
        {
            Make(result.GetValue(Header), result.GetValue(Meta));
        }
        catch (ArgumentException e)
        {
            result.AddError(e.Message);
        }
    }

    /// <summary>The headers given, or null for none.</summary>
    /// <exception cref="CliUsageException">A header or metadata that is not of its form, cannot be set on an upload, or is given twice.</exception>
    public IReadOnlyDictionary<string, string>? Build(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        try
        {
            return Make(parse.GetValue(Header), parse.GetValue(Meta));
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
    }

    private static Dictionary<string, string>? Make(string[]? headerTexts, string[]? metadataTexts)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var all = (headerTexts ?? []).Select(UploadHeaders.ParseHeader).Concat((metadataTexts ?? []).Select(UploadHeaders.ParseMetadata));
        foreach (var (name, value) in all)
            if (!headers.TryAdd(name, value)) throw new ArgumentException($"header '{name}' is given twice");
        UploadHeaders.Validate(headers);
        return headers.Count == 0 ? null : headers;
    }
}
