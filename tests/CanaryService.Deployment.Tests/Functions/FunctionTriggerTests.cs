using System.Reflection;
using CanaryService.Application.Proxy.Surfaces;
using CanaryService.Functions;
using Microsoft.Azure.Functions.Worker;

namespace CanaryService.Deployment.Tests.Functions;

/// <summary>
/// The Functions app's triggers, read by reflection from the compiled app: the routes are the Host's, each route has
/// the authorization level the README promises, and probing runs timer → queue → one competitor per message.
/// </summary>
public sealed class FunctionTriggerTests
{
    private static readonly Assembly App = typeof(ProxyFunctions).Assembly;

    private static Dictionary<string, MethodInfo> Functions() => App.GetExportedTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
        .ToDictionary(m => m.GetCustomAttribute<FunctionAttribute>()!.Name, StringComparer.Ordinal);

    private static T Trigger<T>(MethodInfo function) where T : Attribute =>
        function.GetParameters().Select(p => p.GetCustomAttribute<T>()).Single(a => a is not null)!;

    [Theory]
    [InlineData("ChatCompletions", "v1/chat/completions", AuthorizationLevel.Anonymous, "post")]
    [InlineData("AzureOpenAIChatCompletions", "openai/deployments/{deployment}/chat/completions", AuthorizationLevel.Anonymous, "post")]
    [InlineData("ListCompetitors", "api/competitors", AuthorizationLevel.Function, "get")]
    [InlineData("CompetitorEvidence", "api/competitors/{name}/evidence", AuthorizationLevel.Function, "get")]
    [InlineData("CompetitorReport", "api/competitors/{name}/report", AuthorizationLevel.Function, "get")]
    [InlineData("VerifyLedger", "api/ledger/verify", AuthorizationLevel.Function, "get")]
    [InlineData("RunProbesNow", "api/probes/run", AuthorizationLevel.Admin, "post")]
    [InlineData("LineageUploadSamples", "api/lineage/samples", AuthorizationLevel.Function, "post")]
    [InlineData("LineageModel", "api/lineage/models/{model}", AuthorizationLevel.Function, "get")]
    [InlineData("LineageReport", "api/lineage/report", AuthorizationLevel.Function, "get")]
    [InlineData("LookupAccount", "api/accounts/lookup", AuthorizationLevel.Admin, "post")]
    [InlineData("ListAccounts", "api/accounts", AuthorizationLevel.Function, "get")]
    [InlineData("ListClusters", "api/clusters", AuthorizationLevel.Function, "get")]
    [InlineData("RunMonitorNow", "api/monitor/run", AuthorizationLevel.Admin, "post")]
    [InlineData("GetOperation", "api/operations/{id}", AuthorizationLevel.Function, "get")]
    public void Http_triggers_serve_the_hosts_routes_at_the_promised_level(string name, string route, AuthorizationLevel level, string method)
    {
        Assert.True(Functions().TryGetValue(name, out MethodInfo? function), $"no function {name}");
        HttpTriggerAttribute trigger = Trigger<HttpTriggerAttribute>(function);
        Assert.Equal(route, trigger.Route);
        Assert.Equal(level, trigger.AuthLevel);
        Assert.Equal([method], trigger.Methods ?? []);
    }

    [Fact]
    public void Every_route_of_every_marked_surface_has_an_anonymous_trigger_with_its_method_and_no_other_proxy_route_exists()
    {
        var expected = MarkedSurface.All
            .SelectMany(s => s.Routes.Select(r => (Route: r.TrimStart('/'), Method: s.Method.ToLowerInvariant())))
            .ToHashSet();
        var triggers = Functions().Values
            .Where(f => f.DeclaringType == typeof(ProxyFunctions))
            .Select(Trigger<HttpTriggerAttribute>)
            .Where(t => t.Route != "{*path}")
            .ToList();
        Assert.All(triggers, t => Assert.Equal(AuthorizationLevel.Anonymous, t.AuthLevel));
        Assert.Equal(expected.OrderBy(e => e.Route), triggers.Select(t => (Route: t.Route!, Method: Assert.Single(t.Methods!))).OrderBy(e => e.Route));
    }

    [Fact]
    public void Every_other_path_passes_through_anonymously_with_any_method()
    {
        HttpTriggerAttribute trigger = Trigger<HttpTriggerAttribute>(Functions()["PassThrough"]);
        Assert.Equal("{*path}", trigger.Route);
        Assert.Equal(AuthorizationLevel.Anonymous, trigger.AuthLevel);
        Assert.True(trigger.Methods is null || trigger.Methods.Length == 0, "the pass-through must accept every method");
    }

    [Fact]
    public void The_timer_reads_the_schedule_setting_and_fans_out_to_the_queue_that_runs_one_competitor()
    {
        MethodInfo schedule = Functions()["ScheduleProbes"];
        Assert.Equal("%Probe:Schedule%", Trigger<TimerTriggerAttribute>(schedule).Schedule);
        Assert.Equal(ProbeFunctions.QueueName, schedule.GetCustomAttribute<QueueOutputAttribute>()?.QueueName);
        // It runs the extraction monitor first, so it is asynchronous; the queue output is still the competitor names.
        Assert.Equal(typeof(Task<string[]>), schedule.ReturnType);

        MethodInfo run = Functions()["RunProbe"];
        Assert.Equal(ProbeFunctions.QueueName, Trigger<QueueTriggerAttribute>(run).QueueName);
    }

    [Theory]
    [InlineData("RunProbesNow")]
    [InlineData("RunMonitorNow")]
    public void Long_runs_answer_at_once_and_queue_their_operation_for_the_queue_trigger(string name)
    {
        // The HTTP trigger returns the written 202 and the operation id as a queue output; it never runs the work.
        MethodInfo start = Functions()[name];
        Assert.Equal(typeof(Task<OperationAccepted>), start.ReturnType);
        PropertyInfo response = typeof(OperationAccepted).GetProperty(nameof(OperationAccepted.Response))!;
        PropertyInfo message = typeof(OperationAccepted).GetProperty(nameof(OperationAccepted.OperationId))!;
        Assert.NotNull(response.GetCustomAttribute<HttpResultAttribute>());
        Assert.Equal(OperationFunctions.QueueName, message.GetCustomAttribute<QueueOutputAttribute>()?.QueueName);

        MethodInfo run = Functions()["RunOperation"];
        Assert.Equal(OperationFunctions.QueueName, Trigger<QueueTriggerAttribute>(run).QueueName);
        Assert.NotEqual(ProbeFunctions.QueueName, OperationFunctions.QueueName);
    }

    [Fact]
    public void Lineage_sampling_runs_on_the_probe_timer_and_fans_out_one_model_per_message()
    {
        MethodInfo schedule = Functions()["ScheduleLineageSamples"];
        Assert.Equal("%Probe:Schedule%", Trigger<TimerTriggerAttribute>(schedule).Schedule);
        Assert.Equal(LineageSamplingFunctions.QueueName, schedule.GetCustomAttribute<QueueOutputAttribute>()?.QueueName);
        Assert.Equal(typeof(string[]), schedule.ReturnType);
        Assert.NotEqual(ProbeFunctions.QueueName, LineageSamplingFunctions.QueueName);

        MethodInfo run = Functions()["RunLineageSample"];
        Assert.Equal(LineageSamplingFunctions.QueueName, Trigger<QueueTriggerAttribute>(run).QueueName);
    }

    [Fact]
    public void No_function_is_left_out_of_these_tests()
    {
        Assert.Equal(
            ["AzureOpenAIBatchOutputFile", "AzureOpenAIChatCompletions", "AzureOpenAICompletions",
             "AzureOpenAIResponses", "AzureOpenAIStoredResponse", "AzureOpenAIV1BatchOutputFile",
             "AzureOpenAIV1ChatCompletions", "AzureOpenAIV1Completions", "AzureOpenAIV1Responses",
             "AzureOpenAIV1StoredChatCompletionLists", "AzureOpenAIV1StoredChatCompletions", "AzureOpenAIV1StoredResponse", "AzureOpenAIV1UpdatedChatCompletions", "BatchOutputFile", "ChatCompletions", "CompetitorEvidence",
             "CompetitorReport", "Completions", "GetOperation", "LineageModel", "LineageReport", "LineageUploadSamples",
             "ListAccounts", "ListClusters", "ListCompetitors", "LookupAccount", "PassThrough", "Responses",
             "RunLineageSample", "RunMonitorNow", "RunOperation", "RunProbe", "RunProbesNow", "ScheduleLineageSamples", "ScheduleProbes",
             "StoredChatCompletionLists", "StoredChatCompletions", "StoredResponse", "UpdatedChatCompletions", "VerifyLedger"],
            Functions().Keys.Order(StringComparer.Ordinal));
    }
}
