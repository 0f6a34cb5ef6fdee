using Azure;
using Azure.Data.Tables;

namespace CanaryService.Storage.Tables;

/// <summary>Runs a table write, creating the table first when it does not exist yet (storage was down at start-up).</summary>
internal static class TableWrites
{
    public static async Task<T> WithTableAsync<T>(this TableClient table, Func<CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        try
        {
            return await write(cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (IsTableNotFound(ex))
        {
            await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            return await write(cancellationToken).ConfigureAwait(false);
        }
    }

    public static bool IsTableNotFound(RequestFailedException ex) =>
        ex.Status == 404 && string.Equals(ex.ErrorCode, "TableNotFound", StringComparison.OrdinalIgnoreCase);

    public static bool IsConflict(RequestFailedException ex) => ex.Status is 409 or 412;
}
