using System.Text;
using BenchmarkDotNet.Attributes;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;

namespace CanaryService.Benchmarks.Marking;

/// <summary>
/// Marking throughput on 4 KB answers cut from the test corpus: whole text, and streaming with 20-character
/// deltas. Throughput = 4,096 chars / mean time; allocations are per answer.
/// </summary>
[MemoryDiagnoser]
public class MarkingBenchmarks
{
    private const int AnswerLength = 4096;
    private const int DeltaLength = 20;

    private TextMarker _marker = null!;
    private string _answer = null!;
    private string[] _deltas = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        _marker = new TextMarker(CanaryLexicon.Default, LexiconLayers.Create(CanaryLexicon.Default, ring), ring.Global, ring.ForAccount("bench"));
        string corpus = string.Join("\n\n", Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus"), "*.md")
            .Order(StringComparer.Ordinal).Select(File.ReadAllText));
        _answer = corpus[..AnswerLength];
        _benchTextNoLexicon = System.Text.RegularExpressions.Regex.Replace(_benchText, "[A-Za-z]+", m => CanaryLexicon.Default.Contains(m.Value) ? new string('q', m.Length) : m.Value);
        _deltas = Enumerable.Range(0, (AnswerLength + DeltaLength - 1) / DeltaLength)
            .Select(i => _answer.Substring(i * DeltaLength, Math.Min(DeltaLength, AnswerLength - (i * DeltaLength))))
            .ToArray();
    }

    private string _benchText = CanaryService.ProxyBench.BenchAnswer.Text;
    private string _benchTextNoLexicon = null!;

    [Benchmark]
    public string BenchText() => _marker.Mark(_benchText);

    [Benchmark]
    public string BenchTextNoLexicon() => _marker.Mark(_benchTextNoLexicon);

    [Benchmark]
    public int BenchTextScanOnly()
    {
        var scanner = new CanaryService.Core.Text.LexiconScanner(CanaryLexicon.Default, _benchText);
        int n = 0;
        while (scanner.MoveNext())
        {
            n++;
        }

        return n;
    }

    /// <summary>Whole-text marking of one 4 KB answer.</summary>
    [Benchmark(Baseline = true)]
    public string WholeText4KB() => _marker.Mark(_answer);

    /// <summary>Streaming marking of the same answer in 20-character deltas.</summary>
    [Benchmark]
    public int Streaming20CharDeltas()
    {
        var stream = new StreamingTextMarker(_marker);
        int length = 0;
        foreach (string delta in _deltas)
        {
            length += stream.Append(delta).Length;
        }

        return length + stream.Complete().Length;
    }
}
