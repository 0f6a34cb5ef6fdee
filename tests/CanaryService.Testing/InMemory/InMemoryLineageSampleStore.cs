using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using CanaryService.Core.Lineage;
using CanaryService.Storage.Lineage;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// Lineage samples in memory, with the blob store's semantics: each upload is kept as a unit under a new name in
/// <see cref="BlobLineageSampleStore.Prefix"/>, read back oldest upload first in its own order, and the version
/// changes with every upload (an empty one included) and with nothing else. Thread-safe.
/// </summary>
public sealed class InMemoryLineageSampleStore : ILineageSampleStore
{
    private readonly Lock _gate = new();
    private readonly List<(string Name, LineageSample[] Samples)> _uploads = [];

    /// <inheritdoc />
    public Task<string> AddAsync(IReadOnlyList<LineageSample> samples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        cancellationToken.ThrowIfCancellationRequested();
        LineageSample[] copy = [.. samples];
        string name;
        lock (_gate)
        {
            // The upload's sequence number takes the blob name's time: names sort as the uploads were added.
            name = BlobLineageSampleStore.Prefix + _uploads.Count.ToString("D16", CultureInfo.InvariantCulture) + ".jsonl";
            _uploads.Add((name, copy));
        }

        return Task.FromResult(name);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<LineageSample> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (LineageSample sample in Snapshot().SelectMany(u => u.Samples))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return sample;
        }

        await Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<string> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string names = string.Concat(Snapshot().Select(u => u.Name + "\n"));
        return Task.FromResult(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(names))));
    }

    private List<(string Name, LineageSample[] Samples)> Snapshot()
    {
        lock (_gate)
        {
            return [.. _uploads];
        }
    }
}
