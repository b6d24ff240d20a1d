using Akka.Configuration;

namespace OpenStack.Actors;

/// <summary>The library's defaults: the embedded <c>reference.conf</c>, the only place they are written. Settings types
/// read their values from a config that falls back to it, so every default has one source.</summary>
public static class ReferenceConfig
{
    private static readonly Lazy<Akka.Configuration.Config> Parsed = new(Load);

    /// <summary>The parsed <c>reference.conf</c> (parsed once per process; a HOCON config is immutable).</summary>
    public static Akka.Configuration.Config Value => Parsed.Value;

    /// <summary><paramref name="config"/> with the library's defaults under it.</summary>
    public static Akka.Configuration.Config Under(Akka.Configuration.Config? config) =>
        config is null || config.IsEmpty || ReferenceEquals(config, Value) ? Value : config.WithFallback(Value);

    private static Akka.Configuration.Config Load()
    {
        using var stream = typeof(ReferenceConfig).Assembly.GetManifestResourceStream("OpenStack.Actors.reference.conf")
            ?? throw new InvalidOperationException("OpenStack.Actors.reference.conf is not embedded");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
