using System.Collections;
using System.Reflection;
using OpenStack.Actors.Config;
using OpenStack.Actors.ObjectStore;
using Xunit;

namespace OpenStack.Actors.Tests.Config;

/// <summary>
/// The settings' defaults are written in reference.conf and again as C# initialisers (for <c>new SessionSettings { ... }</c>
/// in code and tests). They must say the same, property by property, so that an embedder gets one behaviour whichever
/// way it builds its settings.
/// </summary>
public sealed class SettingsDefaultsTests
{
    [Fact]
    public void Session_settings_from_an_empty_config_are_the_initialisers()
    {
        AssertSame(new SessionSettings(), SessionSettings.Create(Akka.Configuration.Config.Empty));
    }

    [Fact]
    public void Object_store_settings_from_an_empty_config_are_the_initialisers()
    {
        AssertSame(new ObjectStoreSettings(), ObjectStoreSettings.Create(Akka.Configuration.Config.Empty));
    }

    private static void AssertSame(object initialised, object fromConfig, string path = "")
    {
        foreach (var property in initialised.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            var name = path + property.Name;
            var a = property.GetValue(initialised);
            var b = property.GetValue(fromConfig);
            switch (a)
            {
                case string or null:
                    Assert.True(Equals(a, b), $"{name}: initialiser {a ?? "null"}, reference.conf {b ?? "null"}");
                    break;
                case IEnumerable sequence when b is IEnumerable other:
                    Assert.True(sequence.Cast<object>().Order().SequenceEqual(other.Cast<object>().Order()), $"{name} differs");
                    break;
                case var _ when a.GetType().Namespace?.StartsWith("OpenStack.Actors", StringComparison.Ordinal) == true && !a.GetType().IsEnum:
                    AssertSame(a, b!, name + ".");
                    break;
                default:
                    Assert.True(Equals(a, b), $"{name}: initialiser {a}, reference.conf {b}");
                    break;
            }
        }
    }
}
