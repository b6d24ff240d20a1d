extern alias testkit;

using Akka.Actor;
using OpenStack.Actors.ObjectStore;
using testkit::OpenStack.Actors.TestKit;

namespace OpenStack.Actors.Tests.Integration;

/// <summary>The Swift a shared object-store suite runs against: the dev cloud's real one, or the TestKit's in-memory one
/// under the real session. The same tests pass against both, which is what shows the in-memory Swift is Swift-shaped.</summary>
public interface ISwiftUnderTest
{
    /// <summary>A client on a new session of the demo project.</summary>
    ObjectStoreClient Client(ActorSystem system, ObjectStoreSettings? settings = null);
}

/// <summary>The dev cloud's Swift (scripts/devcloud.sh), as the demo user of its clouds.yaml.</summary>
public sealed class DevCloudSwift : ISwiftUnderTest
{
    public ObjectStoreClient Client(ActorSystem system, ObjectStoreSettings? settings = null) => ObjectStoreTestSupport.Client(system, settings);
}

/// <summary>An <see cref="InMemoryCloud"/>: its Keystone and store under the real session actor.</summary>
public sealed class InMemorySwift(InMemoryCloudOptions? options = null) : ISwiftUnderTest
{
    public InMemoryCloud Cloud { get; } = new(options);

    public ObjectStoreClient Client(ActorSystem system, ObjectStoreSettings? settings = null) => Cloud.CreateObjectStoreClient(system, settings);
}
