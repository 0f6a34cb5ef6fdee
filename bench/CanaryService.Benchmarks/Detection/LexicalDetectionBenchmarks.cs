using BenchmarkDotNet.Attributes;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;

namespace CanaryService.Benchmarks.Detection;

/// <summary>
/// Lexical detection throughput. <see cref="ScoreContexts"/>: one full test over 100,000 distinct contexts (the keyed
/// choice by HMAC-SHA256 per context, the matches, the Poisson-binomial tail and the e-value); contexts/s = 100,000 /
/// mean. <see cref="CollectAndScoreCorpus"/>: the same from raw text, the test corpus scanned by the shared scanner,
/// deduplicated and scored.
/// </summary>
[MemoryDiagnoser]
public class LexicalDetectionBenchmarks
{
    private const int ContextCount = 100_000;

    private LexicalContext[] _contexts = [];
    private string[] _corpus = [];
    private LexicalDetector _detector = null!;
    private LexicalKey _key = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        _key = ring.Global;
        _detector = new LexicalDetector(CanaryLexicon.Default, LexiconLayers.Create(CanaryLexicon.Default, ring));
        var random = new Random(1);
        _contexts = Enumerable.Range(0, ContextCount)
            .Select(i => new LexicalContext("w" + i, random.Next(600), random.Next(2, 5), random.Next(2), LexicalLayer.Global))
            .ToArray();
        _corpus = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus"), "*.md")
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .ToArray();
    }

    /// <summary>One lexical test over 100,000 distinct contexts.</summary>
    [Benchmark]
    public DetectionTestResult ScoreContexts() => LexicalScorer.Score(_contexts, _key, LexicalLayer.Global);

    /// <summary>Scan, deduplicate and score the whole test corpus (both layers, as the assessor does for the global key).</summary>
    [Benchmark]
    public DetectionTestResult CollectAndScoreCorpus() => _detector.Score(_corpus, [], _key, LexicalLayer.Global);
}
