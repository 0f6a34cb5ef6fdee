using CanaryService.DevStorage;

namespace CanaryService.Testing;

/// <summary>
/// An xunit fixture that runs Azurite in memory on free loopback ports for the tests that share it, or
/// uses the storage named by the <c>CANARY_TEST_STORAGE_CONNECTION_STRING</c> environment variable.
/// </summary>
/// <remarks>
/// Each test project declares its own collection over this fixture (xunit looks for collection definitions
/// in the test assembly). Tests isolate themselves with unique table and container names.
/// </remarks>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>The environment variable that points the tests at existing storage instead.</summary>
    public const string ConnectionStringVariable = "CANARY_TEST_STORAGE_CONNECTION_STRING";

    private AzuriteEmulator? _emulator;

    /// <summary>The storage connection string the tests use.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The emulator, when this fixture started one (null when an external connection string is used).</summary>
    public AzuriteEmulator? Emulator => _emulator;

    public async Task InitializeAsync()
    {
        string? external = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            ConnectionString = external;
            return;
        }

        _emulator = await AzuriteEmulator.StartAsync();
        ConnectionString = _emulator.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }

    /// <summary>
    /// Storage settings for one service under test: <paramref name="connectionString"/> and table and container names of
    /// its own, so hosts sharing one emulator never see each other's rows.
    /// </summary>
    public static Dictionary<string, string?> IsolatedStorageSettings(string connectionString)
    {
        string suffix = Guid.NewGuid().ToString("N")[..10];
        return new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:RegistryTable"] = "Reg" + suffix,
            ["Storage:IssuanceTable"] = "Iss" + suffix,
            ["Storage:ProbeRunsTable"] = "Runs" + suffix,
            ["Storage:EvidenceTable"] = "Ev" + suffix,
            ["Storage:PromptSampleTable"] = "Ps" + suffix,
            ["Storage:TrafficTable"] = "Tr" + suffix,
            ["Storage:CampaignTable"] = "Cmp" + suffix,
            ["Storage:OperationsTable"] = "Ops" + suffix,
            ["Storage:StoredCanaryTable"] = "Sc" + suffix,
            ["Storage:TranscriptContainer"] = "probes" + suffix,
        };
    }

    /// <summary>A name unique to this test run, valid for tables and containers (letters and digits, starts with a letter).</summary>
    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];
}
