using OpenStack.Actors.Auth;
using OpenStack.Actors.Catalog;
using OpenStack.Actors.Http;

namespace OpenStack.Actors.TestKit;

/// <summary>
/// The identity side of the fake cloud, shared by the <see cref="ScriptedAuthenticator"/> (which issues tokens), the
/// <see cref="FakeCloudActor"/> (which accepts or refuses them) and the test thread (which changes the script), under one
/// lock: the catalog tokens come with, whether tokens are issued, which tokens are valid, and the token requests so far.
/// </summary>
internal sealed class FakeKeystone(ServiceCatalog catalog, FakeSessionOptions options)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, DateTimeOffset?> _valid = new(StringComparer.Ordinal);
    private readonly Queue<TaskCompletionSource> _waiters = new();
    private ServiceCatalog _catalog = catalog;
    private OpenStackException? _failure;
    private int _issued;
    private int _calls;
    private int _claimed;

    public ServiceCatalog Catalog
    {
        get { lock (_gate) return _catalog; }
    }

    /// <summary>The error token requests fail with; null: tokens are issued.</summary>
    public OpenStackException? Failure
    {
        get { lock (_gate) return _failure; }
        set { lock (_gate) _failure = value; }
    }

    /// <summary>Token requests received so far.</summary>
    public int Calls
    {
        get { lock (_gate) return _calls; }
    }

    /// <summary>A new token (<c>{prefix}-{n}</c>) with the current catalog, valid for the token lifetime from <paramref name="now"/>.</summary>
    /// <exception cref="OpenStackException">Tokens are refused (<see cref="Failure"/>).</exception>
    public AccessInfo Issue(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_failure is { } failure) throw failure;
            var n = ++_issued;
            var token = $"{options.TokenPrefix}-{n}";
            var expires = options.TokenLifetime is { } life ? now + life : (DateTimeOffset?)null;
            _valid[token] = expires;
            var who = options.Identity;
            return new AccessInfo(new AuthToken(token), expires, _catalog,
                $"fake session for user {who.UserName} in project {who.ProjectName ?? who.ProjectId ?? "(unscoped)"}",
                who.UserId, who.ProjectId, n)
            { AuthUrl = options.AuthUrl };
        }
    }

    /// <summary>True for a token this Keystone issued, not revoked and not expired at <paramref name="now"/>.</summary>
    public bool Accepts(string token, DateTimeOffset now)
    {
        lock (_gate)
            return _valid.TryGetValue(token, out var expires) && (expires is not { } at || now < at);
    }

    /// <summary>Every token issued so far stops being valid.</summary>
    public void RevokeAll()
    {
        lock (_gate) _valid.Clear();
    }

    /// <summary>Tokens from now on come with <paramref name="replacement"/>; the ones issued so far are revoked.</summary>
    public void UseCatalog(ServiceCatalog replacement)
    {
        lock (_gate)
        {
            _catalog = replacement;
            _valid.Clear();
        }
    }

    /// <summary>Counts a token request; called once its answer is on the scheduler, so that a test woken by it can
    /// advance virtual time past the delay.</summary>
    public void CallStarted()
    {
        TaskCompletionSource? waiter = null;
        lock (_gate)
        {
            _calls++;
            if (_waiters.Count > 0)
            {
                _claimed++;
                waiter = _waiters.Dequeue();
            }
        }
        waiter?.TrySetResult();
    }

    /// <summary>Completes at the first token request no earlier call claimed, received already or still to come.</summary>
    public Task ClaimCall()
    {
        lock (_gate)
        {
            if (_claimed < _calls)
            {
                _claimed++;
                return Task.CompletedTask;
            }
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
            return waiter.Task;
        }
    }

    /// <summary>Withdraws a waiter that gave up.</summary>
    public void Cancel(Task waiter)
    {
        lock (_gate)
        {
            var left = _waiters.Where(w => w.Task != waiter).ToList();
            _waiters.Clear();
            foreach (var w in left) _waiters.Enqueue(w);
        }
    }
}
