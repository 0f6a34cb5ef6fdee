using System.Collections.Concurrent;
using System.Security.Cryptography;
using CanaryService.Core.Probing;
using CanaryService.Storage.Transcripts;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// Transcripts in memory, stored as the blob store stores them (<see cref="TranscriptFormat"/> bytes named by their
/// SHA-256): putting the same transcript again keeps the first bytes, a name that is not 64 lowercase hex digits or
/// not stored is <see cref="KeyNotFoundException"/>, and bytes that no longer match their name are
/// <see cref="InvalidDataException"/> (<see cref="Overwrite"/> alters them, as tampering would). Thread-safe.
/// </summary>
public sealed class InMemoryTranscriptStore : ITranscriptStore
{
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);

    /// <summary>How many transcripts are stored.</summary>
    public int Count => _blobs.Count;

    /// <inheritdoc />
    public Task<string> PutAsync(Transcript transcript, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        cancellationToken.ThrowIfCancellationRequested();
        byte[] content = TranscriptFormat.Serialize(transcript);
        string name = Convert.ToHexStringLower(SHA256.HashData(content));
        _blobs.TryAdd(name, content);
        return Task.FromResult(name);
    }

    /// <inheritdoc />
    public Task<Transcript> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsName(name) || !_blobs.TryGetValue(name, out byte[]? content))
        {
            throw new KeyNotFoundException($"There is no transcript named '{name}'.");
        }

        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(content)), name, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Transcript '{name}' was altered: its content no longer matches its name.");
        }

        return Task.FromResult(TranscriptFormat.Parse(content));
    }

    /// <inheritdoc />
    public Task<string?> ComputeHashAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(IsName(name) && _blobs.TryGetValue(name, out byte[]? content) ? Convert.ToHexStringLower(SHA256.HashData(content)) : null);
    }

    /// <summary>Replaces the stored bytes of <paramref name="name"/>, as someone altering the blob would.</summary>
    public void Overwrite(string name, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(content);
        _blobs[name] = [.. content];
    }

    private static bool IsName(string name) => name.Length == 64 && name.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
