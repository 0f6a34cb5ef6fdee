// The Canary Service on Azure: a Flex Consumption function app (the marking proxy, the evidence API and the probe
// timer + queue) running as one user-assigned identity, with no shared keys and no secrets in app settings.
//
//   az deployment group create -g <rg> -f infra-bicep/main.bicep -p infra-bicep/main.bicepparam
//   azd up          (azure.yaml points here)

targetScope = 'resourceGroup'

@description('Short name of this environment; names every resource (azd sets it from AZURE_ENV_NAME).')
@minLength(1)
@maxLength(20)
param environmentName string

@description('Azure region for every resource (one with Flex Consumption).')
param location string = resourceGroup().location

@description('Origin (plus any path prefix) of the LLM API the proxy marks, e.g. https://api.openai.com or https://my-aoai.openai.azure.com.')
param upstreamBaseUrl string

@description('Whether the proxy sends its own key upstream (upstreamApiKey); otherwise each caller\'s credentials are forwarded.')
param useUpstreamApiKey bool = false

@description('Key the proxy sends upstream when useUpstreamApiKey is true. Stored in Key Vault only.')
@secure()
param upstreamApiKey string = ''

@description('The master secret all canary keys derive from: base64 of at least 32 random bytes (openssl rand -base64 32).')
@secure()
@minLength(44)
param canaryMasterKey string

@description('When competitors are probed: six-field NCRONTAB (second minute hour day month weekday), as Functions timers use.')
param probeSchedule string = '0 0 3 * * *'

@description('Competitor models to probe: OpenAI-compatible endpoints. Their API keys go in competitorApiKeys, by name.')
param competitors competitor[] = []

@description('API key of each competitor, by competitor name. Stored in Key Vault only.')
@secure()
param competitorApiKeys object = {}

@description('The provider\'s own models (model ids at the upstream) whose lineage samples are taken straight from upstreamBaseUrl with upstreamApiKey, never through the marking proxy.')
param lineageOwnModels string[] = []

@description('Reference models the lineage fingerprint compares the others with: OpenAI-compatible endpoints, shaped like competitors. Their API keys go in lineageReferenceApiKeys, by name.')
param lineageReferences competitor[] = []

@description('API key of each lineage reference model, by name. Stored in Key Vault only.')
@secure()
param lineageReferenceApiKeys object = {}

@description('Request header, set by a front door such as APIM, that names the caller\'s account; empty: a salted hash of the caller\'s API key.')
param accountHeader string = ''

@description('URL that receives a JSON POST when a verdict changes; empty: alerts go to logs and metrics only.')
param probeWebhookUrl string = ''

@description('Request header, set by the front door, with the client address (e.g. X-Forwarded-For); only its /24 (/48) prefix is kept, to link accounts; empty: none.')
param clientAddressHeader string = ''

@description('URL that receives a JSON POST when a cluster of accounts is first flagged as an extraction campaign; empty: logs only.')
param campaignWebhookUrl string = ''

@description('Any other setting as Section__Property, e.g. { Probe__Alpha: \'0.0000001\' }; wins over the defaults below.')
param appSettingOverrides object = {}

@description('Days each probe transcript stays immutable in the evidence store.')
@minValue(1)
param evidenceRetentionDays int = 3650

@description('Upper bound on function app instances.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per function app instance.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Purge protection on the Key Vault. Keep it on in production: the master key is not reproducible.')
param keyVaultPurgeProtection bool = true

@description('One competitor model to probe.')
type competitor = {
  @description('Unique name; evidence is filed under it. Letters, digits and dashes.')
  name: string

  @description('OpenAI-compatible base URL, e.g. https://api.example.com/v1.')
  baseUrl: string

  @description('Model id to ask.')
  model: string

  @description('Hard cap on requests per probe run, retries included (default 40).')
  maxRequestsPerRun: int?

  @description('Requests in flight at once (default 2).')
  concurrency: int?

  @description('Requests started per minute (default 60).')
  requestsPerMinute: int?

  @description('Time-out of one request attempt in seconds (default 60).')
  timeoutSeconds: int?

  @description('Retries of one prompt after a transient failure (default 2).')
  maxRetries: int?
}

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = {
  'azd-env-name': environmentName
  application: 'canary-service'
}
var names = {
  identity: 'id-canary-${environmentName}'
  logAnalytics: 'log-canary-${environmentName}'
  applicationInsights: 'appi-canary-${environmentName}'
  runtimeStorage: 'stfn${take(token, 18)}'
  evidenceStorage: 'stev${take(token, 18)}'
  keyVault: 'kv-canary-${take(token, 13)}'
  plan: 'plan-canary-${environmentName}'
  functionApp: 'func-canary-${environmentName}-${take(token, 6)}'
}
var deploymentContainerName = 'app-package'

// Where the service keeps its data in the evidence account: created here, handed to the app as settings.
var evidenceNames = {
  registryTable: 'CanaryRegistry'
  issuanceTable: 'Issuance'
  probeRunsTable: 'ProbeRuns'
  evidenceTable: 'Evidence'
  promptSampleTable: 'PromptSamples'
  trafficTable: 'AccountTraffic'
  campaignTable: 'Campaigns'
  operationsTable: 'Operations'
  storedCanaryTable: 'StoredCanaries'
  transcriptContainer: 'probes'
}

// Endpoints built from names (not read back from deployed resources) so the settings are known before deployment.
var storageSuffix = environment().suffixes.storage
var evidenceEndpoints = {
  blob: 'https://${names.evidenceStorage}.blob.${storageSuffix}/'
  queue: 'https://${names.evidenceStorage}.queue.${storageSuffix}/'
  table: 'https://${names.evidenceStorage}.table.${storageSuffix}/'
}
var runtimeEndpoints = {
  blob: 'https://${names.runtimeStorage}.blob.${storageSuffix}/'
  queue: 'https://${names.runtimeStorage}.queue.${storageSuffix}/'
  table: 'https://${names.runtimeStorage}.table.${storageSuffix}/'
}

// Secret names in Key Vault; app settings reference them, never carry them.
var masterKeySecretName = 'canary-master-key'
var upstreamKeySecretName = 'upstream-api-key'
var competitorKeySecretNames = [for (c, i) in competitors: 'competitor-${i}-api-key']
var referenceKeySecretNames = [for (r, i) in lineageReferences: 'lineage-reference-${i}-api-key']
var vaultUri = 'https://${names.keyVault}${environment().suffixes.keyvaultDns}/'
var secretNames = concat(
  [masterKeySecretName],
  useUpstreamApiKey ? [upstreamKeySecretName] : [],
  competitorKeySecretNames,
  referenceKeySecretNames
)
var secretValues = union(
  { '${masterKeySecretName}': canaryMasterKey },
  useUpstreamApiKey ? { '${upstreamKeySecretName}': upstreamApiKey } : {},
  toObject(range(0, length(competitors)), i => competitorKeySecretNames[i], i => competitorApiKeys[competitors[i].name]),
  toObject(range(0, length(lineageReferences)), i => referenceKeySecretNames[i], i => lineageReferenceApiKeys[lineageReferences[i].name])
)

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
  }
}

module runtimeStorage 'modules/runtimeStorage.bicep' = {
  name: 'runtimeStorage'
  params: {
    name: names.runtimeStorage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    appPrincipalId: identity.outputs.principalId
    // ProbeFunctions.QueueName (one competitor per message) and OperationFunctions.QueueName (one long operation).
    queueNames: [
      'probe-runs'
      'operations'
    ]
  }
}

module evidenceStorage 'modules/evidenceStorage.bicep' = {
  name: 'evidenceStorage'
  params: {
    name: names.evidenceStorage
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    retentionDays: evidenceRetentionDays
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    transcriptContainerName: evidenceNames.transcriptContainer
    tableNames: [
      evidenceNames.registryTable
      evidenceNames.issuanceTable
      evidenceNames.probeRunsTable
      evidenceNames.evidenceTable
      evidenceNames.promptSampleTable
      evidenceNames.trafficTable
      evidenceNames.campaignTable
      evidenceNames.operationsTable
      evidenceNames.storedCanaryTable
    ]
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    secretNames: secretNames
    secretValues: secretValues
    enablePurgeProtection: keyVaultPurgeProtection
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

var keyVaultReference = '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/'

var hostSettings = {
  // Identity-based AzureWebJobsStorage: the host reaches its storage with the user-assigned identity.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  AzureWebJobsStorage__blobServiceUri: runtimeEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: runtimeEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: runtimeEndpoints.table
  // Entra-authenticated telemetry (local auth is disabled on the component).
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  // The service's own storage clients (DefaultAzureCredential) use the same identity.
  Storage__ManagedIdentityClientId: identity.outputs.clientId
}

var serviceSettings = {
  Canary__MasterKey: '${keyVaultReference}${masterKeySecretName}/)'
  Storage__BlobServiceUri: evidenceEndpoints.blob
  Storage__QueueServiceUri: evidenceEndpoints.queue
  Storage__TableServiceUri: evidenceEndpoints.table
  Storage__RegistryTable: evidenceNames.registryTable
  Storage__IssuanceTable: evidenceNames.issuanceTable
  Storage__ProbeRunsTable: evidenceNames.probeRunsTable
  Storage__EvidenceTable: evidenceNames.evidenceTable
  Storage__PromptSampleTable: evidenceNames.promptSampleTable
  Storage__TrafficTable: evidenceNames.trafficTable
  Storage__CampaignTable: evidenceNames.campaignTable
  Storage__OperationsTable: evidenceNames.operationsTable
  Storage__StoredCanaryTable: evidenceNames.storedCanaryTable
  Storage__TranscriptContainer: evidenceNames.transcriptContainer
  Upstream__BaseUrl: upstreamBaseUrl
  Proxy__AccountHeader: accountHeader
  Proxy__ClientAddressHeader: clientAddressHeader
  Campaigns__WebhookUrl: campaignWebhookUrl
  Probe__Schedule: probeSchedule
  Probe__WebhookUrl: probeWebhookUrl
}

// The code's defaults, spelled out so an operator sees (and can override) every knob in one place. The deployment
// tests check that they equal the defaults in the options classes.
var tuningDefaults = {
  Canary__PhraseRate: '0.2'
  Canary__PhraseDecoys: '99'
  Canary__EpochFormat: 'yyyy-MM'
  Storage__IssuanceQueueCapacity: '100000'
  Storage__IssuanceFlushInterval: '00:00:01'
  Storage__IssuanceWriteConcurrency: '4'
  Storage__IssuanceShutdownTimeout: '00:00:15'
  Storage__RetryInitialDelay: '00:00:00.250'
  Storage__RetryMaxDelay: '00:00:30'
  Storage__RegistryWriteTimeout: '00:00:03'
  Storage__PromptSamplesPerWindow: '300'
  Storage__PromptSampleWindow: '1.00:00:00'
  Storage__PromptSampleRetention: '30.00:00:00'
  Storage__PromptSampleQueueCapacity: '10000'
  Storage__PromptSampleMaxPromptChars: '4000'
  Storage__PromptSampleFlushInterval: '00:00:05'
  Storage__TrafficQueueCapacity: '100000'
  Storage__TrafficFlushInterval: '00:00:30'
  Storage__TrafficRetention: '30.00:00:00'
  Storage__StoredCanaryRetention: '31.00:00:00'
  Storage__StoredCanaryQueueCapacity: '100000'
  Storage__StoredCanaryReadTimeout: '00:00:02'
  Upstream__Timeout: '00:05:00'
  Upstream__ConnectTimeout: '00:00:15'
  Proxy__MaxRequestBodyBytes: '16777216'
  Proxy__MaxRewrittenResponseBytes: '8388608'
  Proxy__RecordTraffic: 'true'
  Proxy__SamplePrompts: 'true'
  Probe__Alpha: '0.000001'
  Probe__IssuanceWindowDays: '90'
  Probe__TopicPromptShare: '0.5'
  Probe__RetryReserveShare: '0.1'
  Probe__ReplayPromptShare: '0.3'
  Probe__ReplayRewordShare: '0.5'
  Probe__RetryBaseDelaySeconds: '0.5'
  Detection__Alpha: '0.000001'
  Detection__AttributionMinimumResponses: '100'
  Detection__AttributionMaximumAccounts: '50'
  Detection__AttributionMaximumClusters: '10'
  Lineage__Container: 'lineage'
  Lineage__MaxUploadBytes: '16777216'
  Lineage__BootstrapReplicates: '200'
  Lineage__Seed: '20260101'
  Lineage__SamplingEnabled: 'true'
  Lineage__PromptsPerRun: '20'
  Lineage__OwnModelPath: 'v1'
  Campaigns__Lookback: '7.00:00:00'
  Campaigns__MinRequests: '50'
  Campaigns__CalibrationMinRequests: '10'
  Campaigns__ExtremeZ: '3.5'
  Campaigns__MinExtremeFeatures: '2'
  Campaigns__LinkMinShare: '0.25'
  Campaigns__LinkMinCount: '5'
}

var upstreamKeySettings = useUpstreamApiKey
  ? {
      Upstream__ApiKey: '${keyVaultReference}${upstreamKeySecretName}/)'
    }
  : {}

var competitorSettings = reduce(
  map(range(0, length(competitors)), i => {
    'Probe__Competitors__${i}__Name': competitors[i].name
    'Probe__Competitors__${i}__BaseUrl': competitors[i].baseUrl
    'Probe__Competitors__${i}__Model': competitors[i].model
    'Probe__Competitors__${i}__ApiKey': '${keyVaultReference}${competitorKeySecretNames[i]}/)'
    'Probe__Competitors__${i}__MaxRequestsPerRun': string(competitors[i].?maxRequestsPerRun ?? 40)
    'Probe__Competitors__${i}__Concurrency': string(competitors[i].?concurrency ?? 2)
    'Probe__Competitors__${i}__RequestsPerMinute': string(competitors[i].?requestsPerMinute ?? 60)
    'Probe__Competitors__${i}__TimeoutSeconds': string(competitors[i].?timeoutSeconds ?? 60)
    'Probe__Competitors__${i}__MaxRetries': string(competitors[i].?maxRetries ?? 2)
  }),
  {},
  (all, next) => union(all, next)
)

var ownModelSettings = toObject(range(0, length(lineageOwnModels)), i => 'Lineage__OwnModels__${i}', i => lineageOwnModels[i])

var referenceSettings = reduce(
  map(range(0, length(lineageReferences)), i => {
    'Lineage__References__${i}__Name': lineageReferences[i].name
    'Lineage__References__${i}__BaseUrl': lineageReferences[i].baseUrl
    'Lineage__References__${i}__Model': lineageReferences[i].model
    'Lineage__References__${i}__ApiKey': '${keyVaultReference}${referenceKeySecretNames[i]}/)'
    'Lineage__References__${i}__MaxRequestsPerRun': string(lineageReferences[i].?maxRequestsPerRun ?? 40)
    'Lineage__References__${i}__Concurrency': string(lineageReferences[i].?concurrency ?? 2)
    'Lineage__References__${i}__RequestsPerMinute': string(lineageReferences[i].?requestsPerMinute ?? 60)
    'Lineage__References__${i}__TimeoutSeconds': string(lineageReferences[i].?timeoutSeconds ?? 60)
    'Lineage__References__${i}__MaxRetries': string(lineageReferences[i].?maxRetries ?? 2)
  }),
  {},
  (all, next) => union(all, next)
)

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  params: {
    planName: names.plan
    name: names.functionApp
    location: location
    tags: tags
    azdServiceName: 'functions'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    deploymentContainerUrl: '${runtimeEndpoints.blob}${deploymentContainerName}'
    appSettings: union(tuningDefaults, serviceSettings, upstreamKeySettings, competitorSettings, ownModelSettings, referenceSettings, appSettingOverrides, hostSettings)
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // The app must not start before its storage roles and secrets exist, or the host fails its first start.
  dependsOn: [
    runtimeStorage
    evidenceStorage
    keyVault
  ]
}

var appUrl = 'https://${functionApp.outputs.defaultHostName}'

@description('Function app name (for `func azure functionapp publish`).')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Base URL of the app.')
output SERVICE_URL string = appUrl

@description('OpenAI-compatible base URL for clients: point the OpenAI SDK\'s base URL here.')
output OPENAI_BASE_URL string = '${appUrl}/v1'

@description('Azure OpenAI-style endpoint for clients (deployments/{name}/chat/completions).')
output AZURE_OPENAI_ENDPOINT string = appUrl

@description('Evidence API base URL: /api/competitors, /api/competitors/{name}/evidence|report, /api/ledger/verify (function key).')
output EVIDENCE_API_URL string = '${appUrl}/api'

@description('Key Vault holding the master key and API keys.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name

@description('Storage account holding the evidence tables and immutable transcripts.')
output EVIDENCE_STORAGE_ACCOUNT string = evidenceStorage.outputs.name
