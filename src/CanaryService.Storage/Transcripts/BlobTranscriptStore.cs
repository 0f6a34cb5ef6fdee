using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using CanaryService.Core.Probing;

namespace CanaryService.Storage.Transcripts;

/// <summary>
/// Transcripts in Azure Blob Storage (container <c>probes</c>): JSON lines (<see cref="TranscriptFormat"/>), each
/// blob named by the lowercase hex SHA-256 of its bytes and uploaded only if absent, so stored content is never
/// overwritten (in Azure the container also carries an immutability policy).
/// </summary>
public sealed class BlobTranscriptStore : ITranscriptStore
{
    private readonly BlobContainerClient _container;

    /// <summary>Creates the store over <paramref name="container"/>.</summary>
    public BlobTranscriptStore(BlobContainerClient container)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
    }

    /// <inheritdoc />
    public async Task<string> PutAsync(Transcript transcript, CancellationToken cancellationToken = default)
    {
        byte[] content = TranscriptFormat.Serialize(transcript);
        string name = Convert.ToHexStringLower(SHA256.HashData(content));
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = TranscriptFormat.ContentType },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        };
        BlobClient blob = _container.GetBlobClient(name);
        try
        {
            await UploadAsync(blob, content, options, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await UploadAsync(blob, content, options, cancellationToken).ConfigureAwait(false);
        }

        return name;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The stored bytes no longer match the name (the blob was altered).</exception>
    public async Task<Transcript> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsName(name))
        {
            throw new KeyNotFoundException($"There is no transcript named '{name}'.");
        }

        BinaryData content;
        try
        {
            content = (await _container.GetBlobClient(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new KeyNotFoundException($"There is no transcript named '{name}'.", ex);
        }

        ReadOnlyMemory<byte> bytes = content.ToMemory();
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes.Span)), name, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Transcript '{name}' was altered: its content no longer matches its name.");
        }

        return TranscriptFormat.Parse(bytes);
    }

    /// <inheritdoc />
    public async Task<string?> ComputeHashAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsName(name))
        {
            return null;
        }

        try
        {
            using BlobDownloadStreamingResult download = (await _container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(download.Content, cancellationToken).ConfigureAwait(false));
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private static async Task UploadAsync(BlobClient blob, byte[] content, BlobUploadOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await blob.UploadAsync(new BinaryData(content), options, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Same name, same content: already stored (content addressing makes the put idempotent).
        }
    }

    private static bool IsName(string name) =>
        name.Length == 64 && name.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
