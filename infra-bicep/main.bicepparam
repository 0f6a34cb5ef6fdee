// Parameters for `azd up` and `az deployment group create`. Values come from the environment so nothing secret is
// committed: azd passes its environment (`azd env set NAME value`), a shell passes exported variables.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'canary')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')

// Where the proxy forwards: an OpenAI-compatible origin (plus any path prefix).
param upstreamBaseUrl = readEnvironmentVariable('CANARY_UPSTREAM_BASE_URL', 'https://api.openai.com')
// Optional: unset forwards each caller's own Authorization / api-key header upstream.
param useUpstreamApiKey = !empty(readEnvironmentVariable('CANARY_UPSTREAM_API_KEY', ''))
param upstreamApiKey = readEnvironmentVariable('CANARY_UPSTREAM_API_KEY', '')

// Required, at least 32 random bytes in base64: export CANARY_MASTER_KEY=$(openssl rand -base64 32)
param canaryMasterKey = readEnvironmentVariable('CANARY_MASTER_KEY')

param probeSchedule = readEnvironmentVariable('CANARY_PROBE_SCHEDULE', '0 0 3 * * *')

// JSON array: [{"name":"rival","baseUrl":"https://api.rival.example/v1","model":"rival-large","maxRequestsPerRun":200}]
param competitors = json(readEnvironmentVariable('CANARY_COMPETITORS', '[]'))
// JSON object by competitor name: {"rival":"sk-..."}
param competitorApiKeys = json(readEnvironmentVariable('CANARY_COMPETITOR_API_KEYS', '{}'))

// Lineage sampling. JSON array of the provider's own model ids, asked straight at the upstream (needs CANARY_UPSTREAM_API_KEY): ["gpt-4o"]
param lineageOwnModels = json(readEnvironmentVariable('CANARY_LINEAGE_OWN_MODELS', '[]'))
// JSON array of reference models, shaped like competitors: [{"name":"open-ref","baseUrl":"https://api.ref.example/v1","model":"ref-7b"}]
param lineageReferences = json(readEnvironmentVariable('CANARY_LINEAGE_REFERENCES', '[]'))
// JSON object by reference name: {"open-ref":"sk-..."}
param lineageReferenceApiKeys = json(readEnvironmentVariable('CANARY_LINEAGE_REFERENCE_API_KEYS', '{}'))

// Optional: the header your front door (e.g. APIM) sets to name the caller's account.
param accountHeader = readEnvironmentVariable('CANARY_ACCOUNT_HEADER', '')
// Optional: where verdict changes are POSTed.
param probeWebhookUrl = readEnvironmentVariable('CANARY_PROBE_WEBHOOK_URL', '')
// Optional: the header with the client address (only its prefix is kept), and where newly flagged clusters are POSTed.
param clientAddressHeader = readEnvironmentVariable('CANARY_CLIENT_ADDRESS_HEADER', '')
param campaignWebhookUrl = readEnvironmentVariable('CANARY_CAMPAIGN_WEBHOOK_URL', '')
