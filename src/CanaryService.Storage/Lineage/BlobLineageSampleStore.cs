using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using CanaryService.Core.Lineage;

namespace CanaryService.Storage.Lineage;

/// <summary>
/// Lineage samples in Azure Blob Storage: one blob per upload, <c>samples/{UTC time}-{id}.jsonl</c>, JSON lines
/// <c>{"model","prompt","output"}</c>. Blobs rather than table rows because answers run to tens of kilobytes (a table
/// property holds 64 KiB) and the analysis always reads every sample: a few large sequential reads.
/// </summary>
public sealed class BlobLineageSampleStore : ILineageSampleStore
{
    /// <summary>The folder (name prefix) of the upload blobs.</summary>
    public const string Prefix = "samples/";

    private readonly BlobContainerClient _container;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the store over <paramref name="container"/> (created on the first upload if missing).</summary>
    public BlobLineageSampleStore(BlobContainerClient container, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _container = container;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public async Task<string> AddAsync(IReadOnlyList<LineageSample> samples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var content = new StringBuilder();
        foreach (LineageSample sample in samples)
        {
            content.Append(JsonSerializer.Serialize(new StoredSample(sample.Model, sample.Prompt, sample.Output), LineageStorageJson.Default.StoredSample)).Append('\n');
        }

        // The time first, so listing by name is upload order; the random part keeps simultaneous uploads apart.
        string name = Prefix + _timeProvider.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fffffff", CultureInfo.InvariantCulture) + "-"
            + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + ".jsonl";
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        };
        BinaryData data = BinaryData.FromString(content.ToString());
        try
        {
            await _container.GetBlobClient(name).UploadAsync(data, options, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await _container.GetBlobClient(name).UploadAsync(data, options, cancellationToken).ConfigureAwait(false);
        }

        return name;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<LineageSample> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (BlobItem blob in await ListAsync(cancellationToken).ConfigureAwait(false))
        {
            string name = blob.Name;
            BinaryData content;
            try
            {
                content = (await _container.GetBlobClient(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                continue;
            }

            foreach (string line in content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                StoredSample? stored = JsonSerializer.Deserialize(line, LineageStorageJson.Default.StoredSample);
                if (stored is { Model: not null, Prompt: not null, Output: not null })
                {
                    yield return new LineageSample(stored.Model, stored.Prompt, stored.Output);
                }
            }
        }
    }

    /// <inheritdoc />
    public async Task<string> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        var version = new StringBuilder();
        foreach (BlobItem blob in await ListAsync(cancellationToken).ConfigureAwait(false))
        {
            version.Append(blob.Name).Append('|').Append(blob.Properties.ETag?.ToString()).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(version.ToString())));
    }

    private async Task<List<BlobItem>> ListAsync(CancellationToken cancellationToken)
    {
        List<BlobItem> blobs = [];
        try
        {
            await foreach (BlobItem blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Prefix, cancellationToken).ConfigureAwait(false))
            {
                blobs.Add(blob);
            }
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return blobs;
        }

        blobs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return blobs;
    }
}

/// <summary>A stored line.</summary>
internal sealed record StoredSample(string? Model, string? Prompt, string? Output);

/// <summary>Source-generated JSON of the stored lines: <c>{"model","prompt","output"}</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StoredSample))]
internal sealed partial class LineageStorageJson : JsonSerializerContext;
