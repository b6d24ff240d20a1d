namespace OpenStack.Actors;

/// <summary>Keeps secrets out of logs, messages and reports: the library's own rules, for tools built on it.</summary>
public static class Redaction
{
    /// <summary>Query parameters whose values are credentials (Swift temp urls, S3-style signatures).</summary>
    private static readonly string[] SecretQueryKeys = ["temp_url_sig", "signature", "x-amz-signature", "token", "password", "secret"];

    /// <summary>Headers whose values are credentials: tokens (X-Auth-Token, X-Subject-Token, X-Service-Token...; not the
    /// request-id headers), anything named secret or password, Authorization and cookies.</summary>
    public static bool IsSecretHeader(string name) =>
        name.Contains("token", StringComparison.OrdinalIgnoreCase) && !name.EndsWith("Request-Id", StringComparison.OrdinalIgnoreCase)
        || name.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || name.Contains("password", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Cookie", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase);

    /// <summary>The url with user info and secret query values replaced by <c>***</c>.</summary>
    public static string Url(Uri url)
    {
        if (!url.IsAbsoluteUri) return url.OriginalString;
        var builder = new UriBuilder(url);
        if (!string.IsNullOrEmpty(builder.UserName) || !string.IsNullOrEmpty(builder.Password))
        {
            builder.UserName = "***";
            builder.Password = "";
        }
        if (!string.IsNullOrEmpty(builder.Query))
        {
            var parts = builder.Query.TrimStart('?').Split('&');
            for (var i = 0; i < parts.Length; i++)
            {
                var eq = parts[i].IndexOf('=');
                var key = eq < 0 ? parts[i] : parts[i][..eq];
                if (SecretQueryKeys.Any(s => key.Equals(s, StringComparison.OrdinalIgnoreCase)))
                    parts[i] = key + "=***";
            }
            builder.Query = string.Join('&', parts);
        }
        return builder.Uri.GetComponents(UriComponents.AbsoluteUri, UriFormat.UriEscaped);
    }

    /// <summary>The text with control characters (CR, LF, ESC...) written as <c>\uXXXX</c>: a crafted file or object name
    /// must not break a log line or send escape sequences to a terminal.</summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var sb = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
            if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append(c);
        return sb.ToString();
    }
}
