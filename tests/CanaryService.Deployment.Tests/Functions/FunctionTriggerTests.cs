using System.Reflection;
using System.Text.Json.Nodes;
using CanaryService.Application.Proxy.Surfaces;
using CanaryService.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace CanaryService.Deployment.Tests.Functions;

/// <summary>
/// The Functions app's triggers, read by reflection from the compiled app: their routes and methods are the ones the Host's
/// own application maps (but for the named Host-only routes), each has the authorization level the README promises, and
/// probing runs timer → queue → one competitor per message.
/// </summary>
public sealed class FunctionTriggerTests
{
    private static readonly Assembly App = typeof(ProxyFunctions).Assembly;

    private static Dictionary<string, MethodInfo> Functions() => App.GetExportedTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
        .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
        .ToDictionary(m => m.GetCustomAttribute<FunctionAttribute>()!.Name, StringComparer.Ordinal);

    private static T Trigger<T>(MethodInfo function) where T : Attribute =>
        function.GetParameters().Select(p => p.GetCustomAttribute<T>()).Single(a => a is not null)!;

    /// <summary>
    /// Host routes with no trigger, each with why. Every other route the Host maps (the marked surfaces, the
    /// pass-through, <c>/api/*</c>) must have a trigger with the same route and methods, and every trigger a Host route.
    /// </summary>
    private static readonly Dictionary<string, string> HostOnly = new(StringComparer.Ordinal)
    {
        ["GET healthz"] = "the Host's liveness endpoint for its own container; the Functions platform watches its workers itself",
        ["GET api/accounts/{account}/prompts"] = "customer text, served by the Host only (docs/probing.md)",
    };

    /// <summary>The triggers that take the master key rather than a function key (README, "Deploy to Azure"): they start work or name an account.</summary>
    private static readonly HashSet<string> MasterKeyFunctions = ["RunProbesNow", "RunMonitorNow", "LookupAccount"];

    private static IEnumerable<(string Name, HttpTriggerAttribute Trigger)> HttpTriggers() => Functions()
        .Select(f => (f.Key, Trigger: f.Value.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).SingleOrDefault(a => a is not null)))
        .Where(f => f.Trigger is not null)
        .Select(f => (f.Key, f.Trigger!));

    private static IEnumerable<string> Keys(HttpTriggerAttribute trigger) =>
        (trigger.Methods ?? []).DefaultIfEmpty("*").Select(method => HostRoutes.Key(method, trigger.Route ?? ""));

    [Fact]
    public async Task Every_host_route_has_a_trigger_with_its_route_and_methods_and_every_trigger_a_host_route()
    {
        IReadOnlySet<string> host = await HostRoutes.ReadAsync();
        HashSet<string> triggers = HttpTriggers().SelectMany(f => Keys(f.Trigger)).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(host.Except(triggers).Except(HostOnly.Keys).Order(StringComparer.Ordinal));
        Assert.Empty(triggers.Except(host).Order(StringComparer.Ordinal));
        // An exception the Host no longer serves, or that gained a trigger, is no exception any more.
        Assert.All(HostOnly.Keys, route => Assert.Contains(route, host));
        Assert.All(HostOnly.Keys, route => Assert.DoesNotContain(route, triggers));
    }

    [Fact]
    public async Task An_unknown_api_path_is_answered_with_an_OpenAI_shaped_404_and_not_passed_through()
    {
        HttpTriggerAttribute trigger = Trigger<HttpTriggerAttribute>(Functions()["UnknownApiRoute"]);
        Assert.Equal("api/{*path}", trigger.Route);
        Assert.Null(trigger.Methods); // every method, as the Host's catch-all under /api

        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = "DELETE";
        context.Request.Path = "/api/competitors";
        context.Response.Body = new MemoryStream();
        await EvidenceFunctions.UnknownApiRouteAsync(context.Request);

        Assert.Equal(StatusCodes.Status404NotFound, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        JsonNode error = JsonNode.Parse(context.Response.Body)!["error"]!;
        Assert.Equal("route_not_found", (string?)error["code"]);
        Assert.Equal("not_found_error", (string?)error["type"]);
    }

    [Fact]
    public void Every_api_trigger_takes_a_function_key_except_those_that_take_the_master_key_and_the_proxy_takes_none()
    {
        var triggers = HttpTriggers().ToList();
        Assert.All(triggers, f => Assert.Equal(
            f.Trigger.Route!.StartsWith("api/", StringComparison.Ordinal)
                ? MasterKeyFunctions.Contains(f.Name) ? AuthorizationLevel.Admin : AuthorizationLevel.Function
                : AuthorizationLevel.Anonymous,
            f.Trigger.AuthLevel));
        Assert.Subset(triggers.Select(f => f.Name).ToHashSet(), MasterKeyFunctions);
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
    public void Every_function_is_an_http_trigger_or_one_of_the_timer_and_queue_functions_checked_here()
    {
        // The HTTP triggers are held to the Host's routes above; the others are each checked by name in this class.
        Assert.Equal(
            ["RunLineageSample", "RunOperation", "RunProbe", "ScheduleLineageSamples", "ScheduleProbes"],
            Functions().Keys.Except(HttpTriggers().Select(f => f.Name)).Order(StringComparer.Ordinal));
    }
}
