using System.Net;
using System.Net.Sockets;

namespace OpenStack.Actors.Tests.Support;

/// <summary>Ports for servers a test starts in other processes (cluster seed nodes): one the system hands out as free.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port no listener on 127.0.0.1 has now (another process may take it before the test does; the system
    /// hands ports out in turn, so that is rare).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
