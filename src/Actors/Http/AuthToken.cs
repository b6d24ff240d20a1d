
namespace OpenStack.Actors.Http;

/// <summary>A token value that never shows itself in <c>ToString()</c>, logs or exception messages.</summary>
public sealed class AuthToken : IEquatable<AuthToken>
{
    /// <summary>Wraps a token; an empty token is refused so that one is never sent.</summary>
    public AuthToken(string value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException("A token must not be empty", nameof(value));
        Value = value;
    }

    /// <summary>The secret itself: only for the X-Auth-Token header.</summary>
    public string Value { get; }

    /// <inheritdoc />
    public override string ToString() => "AuthToken(***)";

    /// <inheritdoc />
    public bool Equals(AuthToken? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as AuthToken);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);
}
