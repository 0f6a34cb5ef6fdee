using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CanaryService.Benchmarks.Corpus;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;

namespace CanaryService.Benchmarks.Marking;

/// <summary>
/// A fingerprint of what the lexical watermark does to real answers (not a benchmark of speed): every answer of the
/// corpus marked whole and streamed in seeded random pieces, for a few fixed keys, hashed into one SHA-256. A change
/// meant only to make the engine faster must leave the digest as it was; the report also says how many answers changed
/// and whether every streamed answer equalled its whole one.
/// </summary>
/// <remarks>
/// Usage: <c>dotnet run -c Release --project bench/CanaryService.Benchmarks -- marking-digest [data folder] [answers per
/// model] [keys]</c> (default <c>../shared/data/model-outputs</c>, 200, 3). The data is evaluation data: it is read,
/// never copied into the repository.
/// </remarks>
internal static class MarkingDigest
{
    public static int Run(string[] args)
    {
        string folder = args.Length > 0 ? args[0] : Path.Combine("..", "shared", "data", "model-outputs");
        int perModel = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        int keys = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;

        CanaryLexicon lexicon = CanaryLexicon.Default;
        var markers = new List<TextMarker>();
        for (int k = 0; k < keys; k++)
        {
            var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(1 + k, 32).Select(i => (byte)i).ToArray()));
            markers.Add(new TextMarker(lexicon, LexiconLayers.Create(lexicon, ring), ring.Global, ring.ForAccount("digest")));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int answers = 0, changed = 0, streamMismatches = 0;
        var random = new Random(20261207);
        foreach (string path in Directory.GetFiles(folder, "*.jsonl.gz").Order(StringComparer.Ordinal))
        {
            foreach (var record in CorpusAnswers.Read(path).Take(perModel))
            {
                string answer = record.Answer;
                answers++;
                foreach (TextMarker marker in markers)
                {
                    string whole = marker.Mark(answer);
                    changed += ReferenceEquals(whole, answer) ? 0 : 1;
                    hash.AppendData(Encoding.UTF8.GetBytes(whole));
                    hash.AppendData([0]);
                    if (Streamed(marker, answer, random) != whole)
                    {
                        streamMismatches++;
                    }
                }
            }
        }

        Console.WriteLine($"answers {answers}, keys {keys}, marked texts changed {changed} of {answers * keys}, streamed != whole {streamMismatches}");
        Console.WriteLine($"digest {Convert.ToHexStringLower(hash.GetHashAndReset())}");
        return streamMismatches == 0 ? 0 : 1;
    }

    /// <summary>The answer fed to a streaming marker in random pieces of 1 to 40 characters, as deltas arrive.</summary>
    private static string Streamed(TextMarker marker, string answer, Random random)
    {
        var stream = new StreamingTextMarker(marker);
        var output = new StringBuilder(answer.Length);
        for (int at = 0; at < answer.Length;)
        {
            int length = Math.Min(answer.Length - at, random.Next(1, 41));
            output.Append(stream.Append(answer.Substring(at, length)));
            at += length;
        }

        return output.Append(stream.Complete()).ToString();
    }
}
