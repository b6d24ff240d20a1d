using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using OpenStack.Actors.Cluster;
using OpenStack.Actors.Config;
using OpenStack.Actors.ObjectStore;
using OpenStack.Actors.Transport;
using Xunit;

namespace OpenStack.Actors.Tests.Config;

/// <summary>
/// Every default is written once, in reference.conf (cluster.conf for the cluster): the settings types have no
/// initialisers to disagree with it, a <c>new</c> must name every value, and each key of the file is read by them.
/// </summary>
public sealed partial class SettingsDefaultsTests
{
    public static TheoryData<Type> SettingsTypes() => new(typeof(SessionSettings), typeof(TransportSettings), typeof(ObjectStoreSettings));

    [Theory]
    [MemberData(nameof(SettingsTypes))]
    public void Settings_cannot_be_built_without_naming_every_value(Type type)
    {
        var context = new NullabilityInfoContext();
        var optional = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<RequiredMemberAttribute>() is null)
            .Where(p => context.Create(p).WriteState != NullabilityState.Nullable && Nullable.GetUnderlyingType(p.PropertyType) is null)
            .Select(p => p.Name)
            .ToList();

        Assert.True(optional.Count == 0, $"{type.Name} has values a `new` may leave out, so C# defaults could creep back: {string.Join(", ", optional)}");
    }

    [Fact]
    public void The_defaults_are_what_an_empty_config_gives()
    {
        Assert.Equal(SessionSettings.Default, SessionSettings.Create(Akka.Configuration.Config.Empty), SettingsComparer.Instance);
        Assert.Equal(ObjectStoreSettings.Default, ObjectStoreSettings.Create(null), SettingsComparer.Instance);
        Assert.Equal(TransportSettings.Default, SessionSettings.Default.Transport);
        Assert.Equal(TimeSpan.FromSeconds(60), SessionSettings.Default.RequestTimeout);
        Assert.Equal(16, ObjectStoreSettings.Default.Transfers);
    }

    public static TheoryData<string> ReferenceKeys() => new(Leaves(ReferenceConfig.Value, "openstack"));

    [Theory]
    [MemberData(nameof(ReferenceKeys))]
    public void Every_key_of_reference_conf_is_read(string key)
    {
        var changed = ConfigurationFactory.ParseString($"{key} = {Changed(ReferenceConfig.Value.GetValue(key))}");

        var differs = key.StartsWith("openstack.session", StringComparison.Ordinal)
            ? !SettingsComparer.Instance.Equals(SessionSettings.Default, SessionSettings.Create(changed))
            : !SettingsComparer.Instance.Equals(ObjectStoreSettings.Default, ObjectStoreSettings.Create(changed));

        Assert.True(differs, $"{key}: changing it changes no setting, so its default is not the one in use");
    }

    public static TheoryData<string> ClusterKeys() => new(Leaves(ClusterUpload.DefaultConfig(), "openstack.cluster-upload"));

    [Theory]
    [MemberData(nameof(ClusterKeys))]
    public void Every_key_of_cluster_conf_is_read(string key)
    {
        var changed = ConfigurationFactory.ParseString($"{key} = {Changed(ClusterUpload.DefaultConfig().GetValue(key))}");

        Assert.NotEqual(ClusterUploadSettings.Create(Akka.Configuration.Config.Empty), ClusterUploadSettings.Create(changed));
    }

    private static IEnumerable<string> Leaves(Akka.Configuration.Config config, string path)
    {
        foreach (var (name, value) in config.GetValue(path).GetObject().Items)
        {
            var key = $"{path}.{name}";
            if (value.IsObject()) foreach (var leaf in Leaves(config, key)) yield return leaf;
            else yield return key;
        }
    }

    /// <summary>A different valid value of the same kind: booleans flip, lists and words change, numbers (with their unit)
    /// double plus one.</summary>
    private static string Changed(HoconValue value)
    {
        if (value.IsArray()) return "[599]";
        var text = value.GetString();
        switch (text)
        {
            case "on" or "true": return "off";
            case "off" or "false": return "on";
            case "": return "\"/nonexistent/file.pem\"";
            case "round-robin": return "random";
            case "md5": return "changed";
        }
        var number = NumberWithUnit().Match(text);
        Assert.True(number.Success, $"no change known for '{text}'");
        var changed = decimal.Parse(number.Groups[1].Value, CultureInfo.InvariantCulture) * 2 + 1;
        return changed.ToString(CultureInfo.InvariantCulture) + number.Groups[2].Value;
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$")]
    private static partial Regex NumberWithUnit();

    /// <summary>Compares settings records member by member, sets by content.</summary>
    private sealed class SettingsComparer : IEqualityComparer<object>
    {
        public static readonly SettingsComparer Instance = new();

        public new bool Equals(object? a, object? b)
        {
            if (a is null || b is null) return a is null && b is null;
            if (a.GetType() != b.GetType()) return false;
            if (a is string || a.GetType().IsValueType) return a.Equals(b);
            if (a is IEnumerable x && b is IEnumerable y) return x.Cast<object>().Order().SequenceEqual(y.Cast<object>().Order());
            return a.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetIndexParameters().Length == 0)
                .All(p => Equals(p.GetValue(a), p.GetValue(b)));
        }

        public int GetHashCode(object obj) => 0;
    }
}
