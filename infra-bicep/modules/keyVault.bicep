// Key Vault in RBAC mode (no access policies) holding the master key and the API keys. The app reads them only
// through Key Vault references resolved by the platform with the app identity (Key Vault Secrets User).

@description('Name of the vault (3-24 letters, digits and dashes).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Principal id of the app identity.')
param appPrincipalId string

@description('Names of the secrets to store (not secret themselves; kept apart so the deployment can be planned).')
param secretNames string[]

@description('Secret values by secret name: one for each of secretNames.')
@secure()
param secretValues object

@description('Log Analytics workspace that receives the vault\'s audit log (every secret read).')
param logAnalyticsWorkspaceId string

@description('Purge protection: a deleted vault (and the master key) stays recoverable for the retention period.')
param enablePurgeProtection bool = true

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource stored 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = [
  for secretName in secretNames: {
    parent: vault
    name: secretName
    properties: {
      value: secretValues[secretName]
      contentType: 'text/plain'
    }
  }
]

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource audit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'vault-audit'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

@description('Vault name.')
output name string = vault.name
