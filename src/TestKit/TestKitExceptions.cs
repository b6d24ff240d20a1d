using OpenStack.Actors.Session;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// The fake session's answer to a request that no scripted rule matches (inside a <see cref="RequestFailed"/>), so
/// the code under test sees a failure at once. The test itself fails through
/// <see cref="FakeSession.VerifyNoUnexpectedRequests"/>, <see cref="FakeSession.Verify"/> or, when enabled,
/// an <see cref="UnexpectedRequest"/> message to the TestActor.
/// </summary>
public sealed class UnexpectedRequestException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public UnexpectedRequestException(string message) : base(message) { }
}

/// <summary>A test-kit assertion failed (an expected request did not come, an unexpected one did, a scripted reply was
/// not used). Test-framework independent: xunit, NUnit and MSTest all report it as a failure with its message.</summary>
public sealed class FakeAssertionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FakeAssertionException(string message) : base(message) { }
}
