using Akka.Hosting;
using OpenStack.Actors.Config;
using OpenStack.Actors.Hosting;
using OpenStack.Actors.Session;

namespace OpenStack.Actors.TestKit;

/// <summary>Akka.Hosting registration of a <see cref="FakeSession"/> in place of a real session.</summary>
public static class FakeSessionHostingExtensions
{
    /// <summary>
    /// Starts <paramref name="fake"/> (created unstarted, with <see cref="FakeSession(FakeSessionOptions?)"/>) in the host's
    /// ActorSystem and registers it where <c>WithOpenStackSession</c> registers the real one: under <see cref="SessionActor"/>
    /// and <see cref="OpenStackSessionKey"/>, so that <c>registry.GetAsync&lt;SessionActor&gt;()</c> and
    /// <c>IRequiredActor&lt;SessionActor&gt;</c> yield the fake.
    /// </summary>
    public static AkkaConfigurationBuilder WithFakeOpenStackSession(this AkkaConfigurationBuilder builder, FakeSession fake)
    {
        ArgumentNullException.ThrowIfNull(fake);
        builder.AddHocon(SessionSettings.DefaultConfig(), HoconAddMode.Append);
        return builder.WithActors((system, registry) =>
        {
            fake.Start(system);
            registry.TryRegister<SessionActor>(fake.Actor);
            registry.TryRegister<OpenStackSessionKey>(fake.Actor);
        });
    }

    /// <summary>Starts <paramref name="fake"/> and registers it under <typeparamref name="TKey"/>, as
    /// <c>WithOpenStackSession&lt;TKey&gt;</c> does for one of several named clouds.</summary>
    public static AkkaConfigurationBuilder WithFakeOpenStackSession<TKey>(this AkkaConfigurationBuilder builder, FakeSession fake)
    {
        ArgumentNullException.ThrowIfNull(fake);
        builder.AddHocon(SessionSettings.DefaultConfig(), HoconAddMode.Append);
        return builder.WithActors((system, registry) =>
        {
            fake.Start(system);
            registry.Register<TKey>(fake.Actor);
        });
    }
}
