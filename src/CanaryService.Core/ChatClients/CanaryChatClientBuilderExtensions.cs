using CanaryService.Core.Marking;
using CanaryService.Core.Issuance;
using Microsoft.Extensions.AI;

namespace CanaryService.Core.ChatClients;

/// <summary>Adds canary marking to a chat client pipeline.</summary>
public static class CanaryChatClientBuilderExtensions
{
    /// <summary>
    /// Marks the answers of the inner client with canaries (see <see cref="CanaryChatClient"/>).
    /// </summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="marker">The marker; when null it is resolved from the builder's service provider.</param>
    /// <param name="issuanceLog">Where issuances are recorded; when null, resolved from the services if registered.</param>
    /// <param name="configure">Configures the client (for example its <see cref="CanaryChatClient.AccountSelector"/>).</param>
    public static ChatClientBuilder UseCanaries(
        this ChatClientBuilder builder,
        CanaryMarker? marker = null,
        IIssuanceLog? issuanceLog = null,
        Action<CanaryChatClient>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((innerClient, services) =>
        {
            var resolvedMarker = marker ?? (CanaryMarker?)services.GetService(typeof(CanaryMarker))
                ?? throw new InvalidOperationException("UseCanaries needs a CanaryMarker: pass one or register it in the services.");
            var log = issuanceLog ?? (IIssuanceLog?)services.GetService(typeof(IIssuanceLog));
            var client = new CanaryChatClient(innerClient, resolvedMarker, log);
            configure?.Invoke(client);
            return client;
        });
    }
}
