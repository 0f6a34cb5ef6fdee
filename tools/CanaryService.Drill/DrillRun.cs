using System.Collections.Concurrent;
using System.Globalization;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Drill.Campaign;
using CanaryService.Drill.Corpus;
using CanaryService.Drill.Serving;
using CanaryService.Drill.Students;
using CanaryService.Drill.Traffic;
using CanaryService.Host.Hosting;

namespace CanaryService.Drill;

/// <summary>A student's competitor endpoint: its spec, the slot its model goes into, its word counter and its server.</summary>
internal sealed record StudentEndpoint(StudentSpec Spec, DeferredResponder Slot, CountingResponder Counter, ChatCompletionsServer Server);

/// <summary>What a drill produced: the result and the HTML reports it wrote.</summary>
internal sealed record DrillOutcome(DrillResult Result, IReadOnlyList<string> ReportFiles);

/// <summary>
/// The whole mission, offline, through the real code paths: Azurite, the service built as <c>Program</c> builds it,
/// a teacher behind the marking proxy, accounts calling it with the OpenAI SDK, students distilled from one
/// account's answers and served as OpenAI-compatible competitors, a harvesting campaign spread over many accounts
/// among benign ones and a student of its answers, the extraction monitor and the probe pipeline triggered through
/// the admin API, and the verdicts and reports read back through the evidence API.
/// </summary>
internal sealed class DrillRun(DrillOptions options, DrillSettings settings, DrillProgress progress)
{
    private const string TeacherModel = "teacher-large";

    /// <summary>The student servers started with <c>--student-server</c>, stopped when the drill ends.</summary>
    private readonly ConcurrentBag<ExternalStudent> _external = [];

    /// <summary>The accounts that send traffic; the distiller is one of them, chosen by the seed.</summary>
    internal static IReadOnlyList<string> AccountNames(int count) =>
        [.. Enumerable.Range(1, count).Select(i => "acct-" + i.ToString("00", CultureInfo.InvariantCulture))];

    internal static int DistillerIndex(int seed, int accounts) => (int)((uint)seed % (uint)accounts);

    public async Task<DrillOutcome> RunAsync(CancellationToken cancellationToken)
    {
        int campaignPrompts = options.HarvestAccounts > 0 ? CampaignTrafficPlan.HarvestedPrompts : 0;
        TeacherCorpus corpus = LoadCorpus(options.Prompts + campaignPrompts);

        await using ChatCompletionsServer teacher = await ChatCompletionsServer.StartAsync(TeacherModel, new TeacherResponder(corpus), cancellationToken).ConfigureAwait(false);
        var slots = new List<StudentEndpoint>();
        try
        {
            foreach (StudentSpec spec in StudentLineup.For(options.Shares, campaign: options.HarvestAccounts > 0))
            {
                var slot = new DeferredResponder();
                var counter = new CountingResponder(slot);
                slots.Add(new StudentEndpoint(spec, slot, counter, await ChatCompletionsServer.StartAsync(spec.Name, counter, cancellationToken).ConfigureAwait(false)));
            }

            progress.Report($"Teacher at {teacher.BaseUrl}; {slots.Count} competitor endpoints on loopback, waiting for their models");
            return await RunWithServersAsync(corpus, teacher, slots, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (StudentEndpoint student in slots)
            {
                await student.Server.DisposeAsync().ConfigureAwait(false);
            }

            foreach (ExternalStudent server in _external)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Starts one server per student with <c>--student-server</c>, side by side (each trains while the others do), and
    /// puts each behind its competitor endpoint; the servers are stopped with the endpoints, when the drill ends.
    /// </summary>
    private async Task StartExternalStudentsAsync(
        string command, List<StudentEndpoint> students, Func<StudentSpec, IReadOnlyList<TrainingPair>> trainingOf, CancellationToken cancellationToken)
    {
        // One that fails stops the others' wait: its error is the drill's, not a sibling's cancellation.
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task[] starts = [.. students.Select(async student =>
        {
            string name = student.Spec.Name;
            IReadOnlyList<TrainingPair> training = trainingOf(student.Spec);
            try
            {
                ExternalStudent server = await ExternalStudent.StartAsync(name, command, training, options.StudentWait, line => progress.Report($"  {name}: {line}"), failed.Token).ConfigureAwait(false);
                _external.Add(server);
                student.Slot.Attach(server);
                progress.Report($"{name} is served at {server.BaseUrl} ({training.Count} training pairs)");
            }
            catch
            {
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        })];
        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw starts.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) ?? throw new InvalidOperationException("A student server failed to start.");
        }
    }

    private async Task<DrillOutcome> RunWithServersAsync(
        TeacherCorpus corpus,
        ChatCompletionsServer teacher,
        List<StudentEndpoint> students,
        CancellationToken cancellationToken)
    {
        progress.Report("Starting storage: Azurite, in memory on free ports");
        await using DevelopmentStorage storage = await DevelopmentStorage.StartAsync(cancellationToken).ConfigureAwait(false);

        progress.Report("Starting the Canary Service in-process (proxy, evidence API, probe runner)");
        DrillCompetitor[] competitors = [.. students.Select(s => new DrillCompetitor(s.Spec.Name, s.Server.BaseUrl, s.Spec.Name))];
        await using DrillService service = await DrillService.StartAsync(settings, storage.ConnectionString, teacher.Origin, competitors, cancellationToken).ConfigureAwait(false);

        // 1. Traffic: every account calls the proxy; the distiller asks every prompt of its part of the corpus (the
        // first --prompts entries; the campaign harvests the rest, so that their topics, and canaries, are apart).
        CorpusEntry[] distilled = [.. corpus.Entries.Take(options.Prompts)];
        CorpusEntry[] campaignEntries = [.. corpus.Entries.Skip(options.Prompts)];
        IReadOnlyList<string> accounts = AccountNames(options.Accounts);
        string distiller = accounts[DistillerIndex(options.Seed, accounts.Count)];
        Dictionary<string, TrafficRequest[]> plan = PlanTraffic(distilled, accounts, distiller);
        progress.Report($"Sending {plan.Values.Sum(p => p.Length)} chat requests through the proxy at {service.ProxyBaseUrl} from {accounts.Count} accounts " +
            $"(OpenAI SDK, a third streamed); {distiller} is the distiller and asks all {distilled.Length} prompts");
        Dictionary<string, IReadOnlyList<TrafficAnswer>> received = [];
        await Task.WhenAll(plan.Select(async p =>
        {
            using var traffic = new ChatTraffic(service.ProxyBaseUrl, p.Key);
            IReadOnlyList<TrafficAnswer> answers = await traffic.SendAsync(p.Value, cancellationToken).ConfigureAwait(false);
            lock (received)
            {
                received[p.Key] = answers;
            }
        })).ConfigureAwait(false);

        // 1b. The campaign scenario, after the distiller's traffic (so that the two do not slow each other's storage
        // writes, and a canary registration that times out under the load leaves no distiller's answer unmarked).
        IReadOnlyList<string> harvesters = CampaignTrafficPlan.HarvestAccounts(options.HarvestAccounts);
        IReadOnlyList<string> benign = options.HarvestAccounts > 0 ? CampaignTrafficPlan.BenignAccounts(options.BenignAccounts) : [];
        AccountTraffic[] campaignPlan =
        [
            .. CampaignTrafficPlan.Harvest(campaignEntries, harvesters, StableSeed(options.Seed, "harvest")),
            .. CampaignTrafficPlan.Benign(benign, StableSeed(options.Seed, "benign")),
        ];
        if (campaignPlan.Length > 0)
        {
            progress.Report($"Campaign scenario: {harvesters.Count} harvest accounts send {CampaignTrafficPlan.HarvestRequestsPerAccount} templated, reasoning-eliciting " +
                $"prompts each from three proxy networks; {benign.Count} benign accounts hold {campaignPlan.Skip(harvesters.Count).Sum(a => a.Requests.Count)} conversational requests");
        }

        await Parallel.ForEachAsync(campaignPlan, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (account, ct) =>
        {
            using var traffic = new ChatTraffic(service.ProxyBaseUrl, account.Account, account.ClientAddress);
            IReadOnlyList<TrafficAnswer> answers = await traffic.SendAsync(account.Requests, ct).ConfigureAwait(false);
            lock (received)
            {
                received[account.Account] = answers;
            }
        }).ConfigureAwait(false);
        await service.FlushTrafficAsync(cancellationToken).ConfigureAwait(false);

        // 2. The same prompts asked of the teacher directly: the unmarked answers (the control's data).
        progress.Report($"Asking the teacher directly for its unmarked answers to the same {distilled.Length} prompts");
        IReadOnlyList<TrafficAnswer> direct;
        using (var traffic = new ChatTraffic(teacher.BaseUrl, account: null))
        {
            direct = await traffic.SendAsync([.. distilled.Select((e, i) => new TrafficRequest(e.Prompt, Stream: i % 3 == 0))], cancellationToken).ConfigureAwait(false);
        }

        Dictionary<string, string> markedByPrompt = received[distiller].ToDictionary(a => a.Prompt, a => a.Answer, StringComparer.Ordinal);
        TrainingPair[] marked = [.. distilled.Select(e => new TrainingPair(e.Prompt, markedByPrompt[e.Prompt]))];
        TrainingPair[] unmarked = [.. direct.Select(a => new TrainingPair(a.Prompt, a.Answer))];
        int changed = marked.Zip(unmarked).Count(p => !string.Equals(p.First.Answer, p.Second.Answer, StringComparison.Ordinal));
        progress.Report($"The distiller collected {marked.Length} (prompt, answer) pairs; {changed} of them differ from the teacher's unmarked answer (marked by the proxy)");

        // The campaign's dataset: the union of its accounts' answers, one per harvested prompt (the first account's),
        // with the template stripped as a harvester keeps its tasks.
        TrainingPair[] harvested = [.. harvesters
            .SelectMany(a => received[a])
            .Select(a => new TrainingPair(corpus.Find(a.Prompt)?.Prompt ?? a.Prompt, a.Answer))
            .DistinctBy(p => p.Prompt, StringComparer.Ordinal)];
        MonitorView? monitor = null;
        if (harvesters.Count > 0)
        {
            progress.Report($"The campaign collected {harvested.Length} distinct (prompt, answer) pairs over {harvesters.Count} accounts; " +
                "running the extraction monitor (POST /api/monitor/run)");
            monitor = await new EvidenceApiClient(service.Admin).RunMonitorAsync(cancellationToken).ConfigureAwait(false);
            ClusterView? largest = monitor.Clusters.Where(c => c.Flagged).MaxBy(c => c.Accounts.Count);
            progress.Report($"The monitor flagged {monitor.FlaggedAccounts.Count} accounts and {monitor.Clusters.Count(c => c.Flagged)} of {monitor.Clusters.Count} clusters" +
                (largest is null ? "" : $"; the largest flagged cluster, {largest.Cluster}, holds {largest.Accounts.Count} accounts, " +
                    $"{largest.Accounts.Intersect(harvesters, StringComparer.Ordinal).Count()} of them harvest accounts"));
        }

        // 3. Students.
        List<TrainingPair>? filler = options.MixPath is null ? null : LoadFiller(corpus, distilled);
        string kind = options.StudentServer is null ? "retrieval + n-gram students" : "students in servers of their own (--student-server)";
        progress.Report($"Training {students.Count} {kind} (" +
            string.Join(", ", students.Select(s => s.Spec.FromCampaign ? "campaign: its harvest" : s.Spec.TrainedOnMarkedData ? Percent(s.Spec.MarkedFraction) + " marked" : "control: unmarked only")) + ")" +
            (filler is null ? "" : $"; each learns all {marked.Length} of the distiller's answers and as many of the mix's {filler.Count} other answers as its share leaves"));

        // Its own seed: with the traffic's seed, the first account's sample was the marked set itself, so an
        // innocent account had been issued exactly the canaries the students learnt.
        int setSeed = StableSeed(options.Seed, "marked-set");
        IReadOnlyList<TrainingPair> TrainingOf(StudentSpec spec) => spec.FromCampaign ? harvested
            : filler is null ? StudentLineup.TrainingSet(spec, marked, unmarked, setSeed)
            : StudentLineup.MixedTrainingSet(spec, marked, unmarked, filler, options.Shares.Min(), setSeed);
        if (options.StudentServer is { } command)
        {
            await StartExternalStudentsAsync(command, students, TrainingOf, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Side by side: a student of a large mixed training set takes a minute to count its n-grams. Each has its own
            // seed, so the order they finish in changes nothing.
            Parallel.ForEach(students, new ParallelOptions { CancellationToken = cancellationToken }, student =>
                student.Slot.Attach(new RetrievalNGramStudent(TrainingOf(student.Spec), StableSeed(options.Seed, student.Spec.Name))));
        }

        // 4. The probe pipeline, as an operator triggers it, and the verdicts as the evidence API serves them; with
        // --probe-runs, run after run as the timer would, the verdicts read after each (the cost curve of a verdict).
        var api = new EvidenceApiClient(service.Admin);
        var sent = new Dictionary<string, int>(StringComparer.Ordinal);
        var history = new Dictionary<string, List<ProbeCheckpoint>>(StringComparer.Ordinal);
        List<CompetitorOutcome> outcomes = [];
        for (int r = 1; r <= options.ProbeRuns; r++)
        {
            progress.Report($"Running the probe pipeline (POST /api/probes/run{(options.ProbeRuns > 1 ? $", run {r} of {options.ProbeRuns}" : "")}): {students.Count} competitors, at most {settings.ProbeBudget} requests each");
            int seed = r == 1 ? StableSeed(options.Seed, "probes") : StableSeed(options.Seed, "probes/" + r.ToString(CultureInfo.InvariantCulture));
            IReadOnlyDictionary<string, ProbeRunSummary> runs = await api.RunProbesAsync(seed, cancellationToken).ConfigureAwait(false);
            foreach (ProbeRunSummary run in runs.Values)
            {
                sent[run.Competitor] = sent.GetValueOrDefault(run.Competitor) + run.Requests;
                if (run.Errors.Count > 0)
                {
                    progress.Report($"  note: the probe of {run.Competitor} was {run.Status}: {string.Join("; ", run.Errors)}");
                }
            }

            progress.Report("Reading the verdicts through the evidence API");
            outcomes = await ReadOutcomesAsync(api, students, sent, harvesters, cancellationToken).ConfigureAwait(false);
            foreach (CompetitorOutcome outcome in outcomes)
            {
                (history.TryGetValue(outcome.Name, out List<ProbeCheckpoint>? list) ? list : history[outcome.Name] = []).Add(new ProbeCheckpoint(
                    r * settings.ProbeBudget,
                    outcome.ProbeRequests,
                    outcome.Verdict,
                    outcome.FamilyPValues.GetValueOrDefault(DetectionFamilies.Lexical, 1),
                    outcome.FamilyPValues.GetValueOrDefault(DetectionFamilies.Phrase, 1),
                    outcome.EValue,
                    outcome.AttributedAccount));
            }
        }

        if (options.ProbeRuns > 1)
        {
            outcomes = [.. outcomes.Select(o => o with { History = history[o.Name] })];
        }

        var reports = new List<string>();
        if (options.ReportPath.Length > 0)
        {
            foreach (StudentSpec spec in students.Select(s => s.Spec))
            {
                string path = ReportFile(options.ReportPath, spec.Name);
                string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
                if (folder is not null)
                {
                    Directory.CreateDirectory(folder);
                }

                await File.WriteAllTextAsync(path, await api.GetReportAsync(spec.Name, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                reports.Add(path);
            }

            // Full paths: `dotnet run` may run the drill in the project's folder rather than the caller's.
            progress.Report("Wrote the HTML evidence reports (GET /api/competitors/{name}/report): " + string.Join(", ", reports.Select(Path.GetFullPath)));
        }

        CampaignSummary? campaign = monitor is null ? null
            : new CampaignSummary(benign, monitor.FlaggedAccounts, monitor.Clusters.Count, monitor.Clusters.Count(c => c.Flagged));
        return new DrillOutcome(new DrillResult(distiller, outcomes, campaign), reports);
    }

    /// <summary>Each student's verdict and figures as the evidence API serves them now.</summary>
    private static async Task<List<CompetitorOutcome>> ReadOutcomesAsync(
        EvidenceApiClient api,
        List<StudentEndpoint> students,
        Dictionary<string, int> sent,
        IReadOnlyList<string> harvesters,
        CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, CompetitorView> verdicts = await api.ListCompetitorsAsync(cancellationToken).ConfigureAwait(false);
        var outcomes = new List<CompetitorOutcome>();
        foreach ((StudentSpec spec, _, CountingResponder counter, _) in students)
        {
            EvidenceView evidence = await api.GetEvidenceAsync(spec.Name, cancellationToken).ConfigureAwait(false);
            CompetitorView verdict = verdicts.TryGetValue(spec.Name, out CompetitorView? v) ? v : new CompetitorView(spec.Name, evidence.Verdict, evidence.AttributedAccount);
            SeriesView[] global = [.. evidence.Series.Where(s => s.KeyId == CanaryKeyRing.GlobalKeyId)];
            outcomes.Add(new CompetitorOutcome(
                spec.Name,
                spec.TrainedOnMarkedData,
                spec.MarkedFraction,
                verdict.Verdict,
                global.Length == 0 ? 1 : global.Min(s => s.PValue),
                global.Length == 0 ? 1 : global.Max(s => s.EValue),
                verdict.AttributedAccount,
                sent.GetValueOrDefault(spec.Name))
            {
                FamilyPValues = global.ToDictionary(s => s.Family, s => s.PValue, StringComparer.Ordinal),
                AnswerWords = counter.Words,
                SignificantTests = [.. evidence.Series
                    .Where(s => s.Verdict == "distilled")
                    .OrderByDescending(s => s.EValue)
                    .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Family}/{s.KeyId} (e = {s.EValue:G2})"))],
                LexicalOccurrences = global.Where(s => s.Family == DetectionFamilies.Lexical).Sum(s => s.N),
                PhraseTopics = global.Where(s => s.Family == DetectionFamilies.Phrase).Sum(s => s.N),
                PhraseMatches = global.Where(s => s.Family == DetectionFamilies.Phrase).Sum(s => s.Matches),
                HarvestAccounts = spec.FromCampaign ? harvesters : null,
                AttributedCluster = evidence.AttributedCluster?.Cluster,
                ClusterAccounts = evidence.AttributedCluster?.Accounts,
            });
        }

        return outcomes;
    }

    /// <summary>
    /// The teacher's corpus: generated from the seed, or with <c>--corpus</c> a real model's recorded answers in a
    /// seeded order (a recorded file is often grouped by source; the distiller and the campaign take its first entries).
    /// </summary>
    private TeacherCorpus LoadCorpus(int size)
    {
        if (options.CorpusPath is not { } path)
        {
            progress.Report($"Writing the teacher corpus: {size} prompts (seed {options.Seed})");
            return TeacherCorpus.Generate(options.Seed, size);
        }

        RecordedAnswer[] recorded = [.. RecordedAnswers.Load(path).DistinctBy(a => a.Prompt, StringComparer.Ordinal)];
        if (recorded.Length < size)
        {
            throw new DrillUsageException($"The corpus {path} holds {recorded.Length} prompts; the drill needs {size} (--prompts, and the campaign's {size - options.Prompts}).");
        }

        new Random(StableSeed(options.Seed, "recorded-order")).Shuffle(recorded);
        progress.Report($"Read the teacher's recorded answers: {recorded.Length} prompts from {path}; the distiller asks {options.Prompts} of them (seed {options.Seed})");
        return TeacherCorpus.FromRecorded(recorded);
    }

    /// <summary>
    /// Other models' answers for the students' mixed training sets: every pair of the mix whose prompt the distiller
    /// did not ask (an answer to one of its prompts would compete with ours in a memorising student's recall).
    /// </summary>
    private List<TrainingPair> LoadFiller(TeacherCorpus corpus, CorpusEntry[] distilled)
    {
        HashSet<string> asked = new(distilled.Select(e => e.Prompt), StringComparer.Ordinal);
        List<TrainingPair> filler = [.. RecordedAnswers.Load(options.MixPath!, exclude: options.CorpusPath)
            .Where(a => !asked.Contains(a.Prompt))
            .Select(a => new TrainingPair(a.Prompt, a.Answer))];
        progress.Report($"Read the mix: {filler.Count} other answers to prompts the distiller did not ask (of {corpus.Entries.Count - distilled.Length} such prompts)");
        return filler;
    }

    /// <summary>
    /// The report file of one competitor: <c>--report PATH</c> with the competitor's name before the extension
    /// (<c>drill-report.html</c> → <c>drill-report.student-5pct.html</c>).
    /// </summary>
    internal static string ReportFile(string reportPath, string competitor)
    {
        string extension = Path.GetExtension(reportPath);
        string stem = extension.Length == 0 ? reportPath : reportPath[..^extension.Length];
        return stem + "." + competitor + (extension.Length == 0 ? ".html" : extension);
    }

    /// <summary>
    /// Who asks what: the distiller asks every prompt (it is harvesting training data); each other account asks a
    /// random tenth of them, as ordinary customers would, and at least the attribution threshold, so that
    /// attribution has innocent candidates to tell apart. A topic's canary attributes only when one account alone
    /// received it, and a corpus of a few hundred prompts makes customers overlap far more than real traffic does;
    /// a tenth keeps most of the distiller's topics its own (0.9³ ≈ 73% with three customers) while every customer
    /// still shares some. Every third request of each account is streamed.
    /// </summary>
    private Dictionary<string, TrafficRequest[]> PlanTraffic(IReadOnlyList<CorpusEntry> corpus, IReadOnlyList<string> accounts, string distiller)
    {
        var random = new Random(StableSeed(options.Seed, "traffic"));
        var plan = new Dictionary<string, TrafficRequest[]>(StringComparer.Ordinal);
        foreach (string account in accounts)
        {
            CorpusEntry[] entries = [.. corpus];
            random.Shuffle(entries);
            int count = account == distiller ? entries.Length : (int)Math.Max(entries.Length / 10, settings.AttributionMinimumResponses);
            plan[account] = [.. entries.Take(count).Select((e, i) => new TrafficRequest(e.Prompt, Stream: i % 3 == 0))];
        }

        return plan;
    }

    private static string Percent(double share) => (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static int StableSeed(int seed, string name)
    {
        // FNV-1a: string.GetHashCode differs between processes, and a drill must be reproducible.
        uint hash = 2166136261 ^ (uint)seed;
        foreach (char c in name)
        {
            hash = (hash ^ c) * 16777619;
        }

        return unchecked((int)hash);
    }
}
