using System.Net;

namespace OpenStack.Actors.Http;

/// <summary>Base of every failure the session reports. Messages never contain tokens or secrets.</summary>
public class OpenStackException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OpenStackException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The server answered with a 4xx or 5xx status.</summary>
public sealed class HttpErrorException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public HttpErrorException(HttpMethod method, Uri url, HttpStatusCode status, string? requestId, string? serverMessage, OpenStackResponse? response = null)
        : base($"{method} {Redaction.Url(url)} failed: {(int)status} {status}{(serverMessage is null ? "" : $": {serverMessage}")}{(requestId is null ? "" : $" (request id {requestId})")}")
    {
        Method = method;
        Url = url;
        Status = status;
        RequestId = requestId;
        ServerMessage = serverMessage;
        Response = response;
    }

    /// <summary>The request's method.</summary>
    public HttpMethod Method { get; }

    /// <summary>The url the request went to.</summary>
    public Uri Url { get; }

    /// <summary>The status the server answered.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The server's <c>x-openstack-request-id</c> (or Swift's <c>x-trans-id</c>).</summary>
    public string? RequestId { get; }

    /// <summary>The message parsed from the error body (Keystone, Swift, Nova formats), if any.</summary>
    public string? ServerMessage { get; }

    /// <summary>The whole response (headers and buffered body), when one was received.</summary>
    public OpenStackResponse? Response { get; }
}

/// <summary>The request took longer than its timeout.</summary>
public sealed class RequestTimeoutException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public RequestTimeoutException(string message, TimeSpan timeout, Exception? inner = null) : base(message, inner) => Timeout = timeout;

    /// <summary>The timeout that ran out.</summary>
    public TimeSpan Timeout { get; }
}

/// <summary>The server could not be reached, or the connection broke.</summary>
public sealed class ConnectionFailedException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public ConnectionFailedException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The request itself is invalid (bad url, a header with CR/LF, a body that cannot be re-sent...).</summary>
public sealed class InvalidRequestException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public InvalidRequestException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The request's body could not be read (a file that vanished or cannot be opened): a local error, never retried
/// and never counted against the endpoint. <see cref="Exception.InnerException"/> is the original I/O error.</summary>
public sealed class RequestBodyException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public RequestBodyException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The session stopped or restarted before the request completed.</summary>
public sealed class SessionStoppedException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public SessionStoppedException(string message) : base(message) { }
}
