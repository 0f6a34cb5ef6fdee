// Log Analytics + Application Insights with local (instrumentation key) auth disabled: telemetry is accepted only
// from Entra identities holding Monitoring Metrics Publisher, so a leaked connection string cannot inject data.

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Principal id of the app identity that publishes telemetry.')
param publisherPrincipalId string

@description('Days Log Analytics keeps data.')
@minValue(30)
param retentionInDays int = 30

var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, publisherPrincipalId, monitoringMetricsPublisherRoleId)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: publisherPrincipalId
    principalType: 'ServicePrincipal'
  }
}

@description('Log Analytics workspace id (audit logs go here too).')
output logAnalyticsWorkspaceId string = logAnalytics.id

@description('Application Insights name.')
output applicationInsightsName string = applicationInsights.name

@description('Application Insights connection string (not a credential: local auth is disabled).')
output connectionString string = applicationInsights.properties.ConnectionString
