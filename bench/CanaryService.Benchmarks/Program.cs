using BenchmarkDotNet.Running;
using CanaryService.Benchmarks.Interleaved;
using CanaryService.Benchmarks.Phrases;

// Run everything, or pick with --filter, e.g.: dotnet run -c Release --project bench/CanaryService.Benchmarks -- --filter '*Marking*'
// Or compare two builds in one process: ... -- interleaved <folder A> <folder B> <class> <method,...> (see InterleavedComparison).
// Or the phrase canary over a real corpus: ... -- phrase-corpus ../shared/data/model-outputs [samples] (see PhraseCorpusReport).
if (args.Length > 0 && args[0] == "phrase-corpus")
{
    return PhraseCorpusReport.Run(args[1..]);
}

// Or measure the lexical test's power on real model answers: ... -- lexical-power [folder] [marked] [unmarked] [keys].
if (args.Length > 0 && args[0] == "interleaved")
{
    return InterleavedComparison.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "lexical-power")
{
    return CanaryService.Benchmarks.Detection.LexicalCorpusPower.Run(args[1..]);
}

// Or the markup channel's density on real model answers: ... -- markup-density [folder] [sample size] [sample folder].
if (args.Length > 0 && args[0] == "markup-density")
{
    return CanaryService.Benchmarks.Detection.MarkupDensity.Run(args[1..]);
}

// Or the null of every test on real model answers over many random keys: ... -- null-calibration [folder] [keys] [models].
if (args.Length > 0 && args[0] == "null-calibration")
{
    return CanaryService.Benchmarks.Detection.RealTextNullCalibration.Run(args[1..]);
}

// Or a fingerprint of the marks on real answers, whole and streamed (a speed change must leave it as it was): ... -- marking-digest [folder] [answers per model] [keys].
if (args.Length > 0 && args[0] == "marking-digest")
{
    return CanaryService.Benchmarks.Marking.MarkingDigest.Run(args[1..]);
}

// Or the extraction monitor at scale on simulated traffic: ... -- campaigns [benign accounts] [volume] [seed].
if (args.Length > 0 && args[0] == "campaigns")
{
    return CanaryService.Benchmarks.Campaigns.CampaignScaleReport.Run(args[1..]);
}

// Or the background writers at a sustained request rate against Azurite: ... -- writers [requests/s] [seconds] [accounts].
if (args.Length > 0 && args[0] == "writers")
{
    return await CanaryService.Benchmarks.Writers.WriterLoad.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
