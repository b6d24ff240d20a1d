using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;

namespace OpenStack.Actors.Transport;

/// <summary>Builds the one HTTP handler (one connection pool) that a session's transports and authenticator share.</summary>
public static class HttpHandlerFactory
{
    /// <summary>The handler a session shares between its TransportActors (one connection pool), built from the settings:
    /// connection limits and timeouts, no automatic redirects or decompression, TLS verification, CA file, client certificate.</summary>
    /// <param name="t">The transport settings.</param>
    /// <param name="log">Where the warning about disabled TLS verification goes.</param>
    public static SocketsHttpHandler Create(TransportSettings t, ILoggingAdapter log)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = t.MaxConnectionsPerServer,
            ConnectTimeout = t.ConnectTimeout,
            PooledConnectionIdleTimeout = t.PooledConnectionIdleTimeout,
            PooledConnectionLifetime = t.PooledConnectionLifetime,
            AllowAutoRedirect = false, // followed by hand, so a token never follows a redirect to another host
            AutomaticDecompression = DecompressionMethods.None, // Swift's ETag is the MD5 of the stored bytes
            UseCookies = false,
        };
        if (!t.VerifyTls)
        {
            log.Warning("TLS certificate verification is OFF (openstack.session.transport.verify-tls = off): connections can be intercepted");
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (t.CaFile is { } caFile)
        {
            var trusted = new X509Certificate2Collection();
            trusted.ImportFromPemFile(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None) return true;
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }
        if (t.ClientCertFile is { } certFile)
        {
            // Exported to PKCS#12 and back: SslStream on Linux needs the key in a persistable form.
            using var pem = X509Certificate2.CreateFromPemFile(certFile, t.ClientKeyFile);
            handler.SslOptions.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
        }
        return handler;
    }
}
