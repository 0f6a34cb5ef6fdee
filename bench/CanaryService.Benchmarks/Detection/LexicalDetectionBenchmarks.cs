using BenchmarkDotNet.Attributes;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;

namespace CanaryService.Benchmarks.Detection;

/// <summary>
/// Lexical detection throughput. <see cref="ScoreContexts"/>: one full test over 100,000 (context, group) tallies, most
/// written once and one in ten up to 16 times (the keyed choice by HMAC-SHA256 per pair, the every-occurrence tail, past
/// the exact budget its Chernoff bound, and the e-value); pairs/s = 100,000 / mean. <see cref="ScoreSmallHistory"/>: the
/// same over 4,000 pairs, a size the exact tail covers. <see cref="CollectAndScoreCorpus"/>: from raw text, the test
/// corpus scanned by the shared scanner, tallied and scored.
/// </summary>
[MemoryDiagnoser]
public class LexicalDetectionBenchmarks
{
    private const int ContextCount = 100_000;

    private LexicalTally[] _contexts = [];
    private LexicalTally[] _small = [];
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
        _contexts = [.. Enumerable.Range(0, ContextCount).Select(i => Tally(random, i))];
        _small = _contexts[..4_000];
        _corpus = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus"), "*.md")
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .ToArray();
    }

    /// <summary>One lexical test over 100,000 pairs.</summary>
    [Benchmark]
    public DetectionTestResult ScoreContexts() => LexicalScorer.Score(_contexts, _key, LexicalLayer.Global);

    /// <summary>One lexical test over 4,000 pairs (exact tail).</summary>
    [Benchmark]
    public DetectionTestResult ScoreSmallHistory() => LexicalScorer.Score(_small, _key, LexicalLayer.Global);

    /// <summary>Scan, deduplicate and score the whole test corpus (both layers, as the assessor does for the global key).</summary>
    [Benchmark]
    public DetectionTestResult CollectAndScoreCorpus() => _detector.Score(_corpus, [], _key, LexicalLayer.Global);

    private static LexicalTally Tally(Random random, int i)
    {
        var tally = new LexicalTally("w" + i, random.Next(600), random.Next(2, 5), LexicalLayer.Global);
        int written = random.Next(10) == 0 ? random.Next(2, 17) : 1;
        for (int k = 0; k < written; k++)
        {
            tally.Add(random.Next(2), 0);
        }

        return tally;
    }
}
