using System.Net;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.Auth;

/// <summary>Keystone refused the credentials (bad password, disabled user, unknown application credential).
/// Never retried: retrying bad credentials only locks accounts.</summary>
public sealed class AuthenticationFailedException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public AuthenticationFailedException(string message, HttpStatusCode? status = null, string? requestId = null, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
        RequestId = requestId;
    }

    /// <summary>The HTTP status Keystone answered, when it answered.</summary>
    public HttpStatusCode? Status { get; }

    /// <summary>Keystone's <c>x-openstack-request-id</c>, when it answered.</summary>
    public string? RequestId { get; }
}
