using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using CanaryService.Core.Lineage;

namespace CanaryService.Storage.Lineage;

/// <summary>
/// Sampling positions in the lineage container: one small blob per model, <c>positions/{model}</c>, holding the index
/// of the next prompt as text. Outside <see cref="BlobLineageSampleStore.Prefix"/>, so the analysis never reads them.
/// </summary>
public sealed class BlobLineageSamplingPositions : ILineageSamplingPositions
{
    /// <summary>The folder (name prefix) of the position blobs.</summary>
    public const string Prefix = "positions/";

    private readonly BlobContainerClient _container;

    /// <summary>Creates the store over <paramref name="container"/> (created on the first write if missing).</summary>
    public BlobLineageSamplingPositions(BlobContainerClient container)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
    }

    /// <inheritdoc />
    public async Task<long> GetAsync(string model, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        try
        {
            BlobDownloadResult content = (await Blob(model).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value;
            return long.TryParse(content.Content.ToString().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long position)
                ? position
                : throw new InvalidDataException($"The sampling position of '{model}' is not a number.");
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return 0;
        }
    }

    /// <inheritdoc />
    public async Task SetAsync(string model, long position, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        BinaryData data = BinaryData.FromString(position.ToString(CultureInfo.InvariantCulture));
        try
        {
            await Blob(model).UploadAsync(data, overwrite: true, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await Blob(model).UploadAsync(data, overwrite: true, cancellationToken).ConfigureAwait(false);
        }
    }

    // Escaped, so any model name is one blob name and never a path.
    private BlobClient Blob(string model) => _container.GetBlobClient(Prefix + Uri.EscapeDataString(model));
}
