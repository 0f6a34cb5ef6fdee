namespace CanaryService.LexiconTool;

/// <summary>Where the lexicon's inputs and output live in the repository, and the build from them.</summary>
internal static class LexiconFiles
{
    public static string Candidates(string root) => Path.Combine(root, "tools", "lexicon", "candidates.txt");

    public static string Evidence(string root) => Path.Combine(root, "tools", "lexicon", "evidence.tsv");

    public static string Shipped(string root) => Path.Combine(root, "src", "CanaryService.Core", "Lexicon", "lexicon.txt");

    /// <summary>The lexicon text that the committed candidates and evidence produce.</summary>
    public static string BuildText(string root, ICollection<string>? report = null) =>
        LexiconBuild.Build(
            LexiconBuild.ParseCandidates(File.ReadAllText(Candidates(root))),
            LexiconBuild.ParseEvidence(File.ReadAllText(Evidence(root))),
            report);

    public static void Build(string root, TextWriter log)
    {
        var report = new List<string>();
        string text = BuildText(root, report);
        CanaryService.Core.Lexicon.CanaryLexicon.Parse(text); // refuse to write a file the engine would refuse
        File.WriteAllText(Shipped(root), text);
        foreach (string line in report)
        {
            log.WriteLine(line);
        }

        log.WriteLine($"{report.Count(r => r.Contains("\tshipped", StringComparison.Ordinal))} of {report.Count} candidate groups shipped");
    }

    /// <summary>The folder holding <c>CanaryService.sln</c>, from the current directory up.</summary>
    public static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CanaryService.sln")))
            {
                return dir.FullName;
            }
        }

        throw new IOException("Run from inside the repository (no CanaryService.sln found above the current directory).");
    }
}
