using OpenStack.Actors.Http;

namespace OpenStack.Actors.Discovery;

/// <summary>The service cannot serve the requested microversion: outside its range, or it has no microversions.</summary>
public sealed class MicroversionNotSupportedException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public MicroversionNotSupportedException(string serviceType, string requested, Microversion? min, Microversion? max)
        : base(max is null
            ? $"{serviceType} does not support microversions; {requested} was requested"
            : $"{serviceType} supports {min ?? max} to {max}; {requested} was requested")
    {
        ServiceType = serviceType;
        Requested = requested;
        Min = min;
        Max = max;
    }

    /// <summary>The service type.</summary>
    public string ServiceType { get; }

    /// <summary>The microversion asked for.</summary>
    public string Requested { get; }

    /// <summary>The lowest the service serves, if it has a range.</summary>
    public Microversion? Min { get; }

    /// <summary>The highest the service serves, if it has a range.</summary>
    public Microversion? Max { get; }
}

/// <summary>The service's version document lists no usable version of the requested major version.</summary>
public sealed class ApiVersionNotFoundException : OpenStackException
{
    /// <summary>Creates the exception.</summary>
    public ApiVersionNotFoundException(string serviceType, int major, IReadOnlyList<DiscoveredVersion> offered)
        : base($"{serviceType} offers {(offered.Count == 0 ? "no versions" : string.Join(", ", offered.Select(v => $"{v.Id} ({v.Status})")))}; v{major} was requested")
    {
        ServiceType = serviceType;
        Major = major;
        Offered = offered;
    }

    /// <summary>The service type.</summary>
    public string ServiceType { get; }

    /// <summary>The major version asked for.</summary>
    public int Major { get; }

    /// <summary>What the document lists.</summary>
    public IReadOnlyList<DiscoveredVersion> Offered { get; }
}
