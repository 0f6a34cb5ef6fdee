using System.Globalization;
using System.Net;
using System.Text;
using CanaryService.Core.Probing;

namespace CanaryService.Application.Evidence;

/// <summary>
/// Renders a competitor's evidence as one self-contained HTML page: the e-values over time as an inline SVG chart
/// (log scale, with the 1/α threshold), a table per family and key, and the matched canaries with highlighted
/// excerpts. No external scripts, styles, fonts or images.
/// </summary>
internal static class EvidenceReportRenderer
{
    private const int Width = 960;
    private const int Height = 360;
    private const int Left = 64;
    private const int Right = 200;
    private const int Top = 24;
    private const int Bottom = 40;
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

    public static string Render(CompetitorEvidence evidence, IReadOnlyList<CanaryMatch> matches, IReadOnlyList<ProbeRunRecord> runs, DateTimeOffset generatedAt)
    {
        StringBuilder html = new(16_384);
        string title = "Canary evidence: " + evidence.Competitor;
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1{margin:0 0 4px}table{border-collapse:collapse;margin:12px 0}")
            .Append("th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}th{background:#f3f3f3}")
            .Append(".distilled{color:#b00020;font-weight:bold}.not-detected,.no-evidence{color:#2e7d32}mark{background:#ffe066}")
            .Append("blockquote{border-left:4px solid #ccc;margin:8px 0;padding:4px 12px;font-size:14px}.muted{color:#666;font-size:13px}")
            .Append("</style></head><body>\n");
        html.Append("<h1>").Append(E(title)).Append("</h1>\n<p>Verdict: <span id=\"verdict\" class=\"").Append(E(evidence.Verdict)).Append("\">").Append(E(evidence.Verdict)).Append("</span>");
        if (evidence.AttributedAccount is { } account)
        {
            html.Append(" &middot; attributed account: <code>").Append(E(account)).Append("</code>");
        }

        if (evidence.AttributedCluster is { } cluster)
        {
            html.Append(" &middot; attributed cluster: <code id=\"cluster\">").Append(E(cluster.Cluster)).Append("</code> (")
                .Append(cluster.Accounts.Count.ToString(CultureInfo.InvariantCulture)).Append(" accounts: <code>")
                .Append(E(string.Join(", ", cluster.Accounts))).Append("</code>)");
        }

        html.Append(" &middot; &alpha; = ").Append(F(evidence.Alpha)).Append("</p>\n<p class=\"muted\">Generated ").Append(E(generatedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)))
            .Append(". A verdict of <em>distilled</em> needs an anytime-valid e-value of at least 1/&alpha; after Holm correction across families and keys; p-values are reported beside it.</p>\n");

        html.Append("<h2>Evidence over time</h2>\n");
        AppendChart(html, evidence);

        html.Append("<h2>Per family and key</h2>\n<table id=\"evidence-table\"><thead><tr><th>family</th><th>key</th><th>n</th><th>matches</th><th>p-value</th><th>e-value</th><th>verdict</th><th>attributed account</th><th>rows</th></tr></thead><tbody>\n");
        foreach (EvidenceSeries s in evidence.Series)
        {
            html.Append("<tr><td>").Append(E(s.Family)).Append("</td><td>").Append(E(s.KeyId)).Append("</td><td>").Append(s.N.ToString(CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(s.Matches.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(F(s.PValue)).Append("</td><td>").Append(F(s.EValue))
                .Append("</td><td class=\"").Append(E(s.Verdict)).Append("\">").Append(E(s.Verdict)).Append("</td><td>").Append(E(s.AttributedAccount ?? "")).Append("</td><td>")
                .Append(s.Timeline.Count.ToString(CultureInfo.InvariantCulture)).Append("</td></tr>\n");
        }

        if (evidence.Series.Count == 0)
        {
            html.Append("<tr><td colspan=\"9\">No evidence yet.</td></tr>\n");
        }

        html.Append("</tbody></table>\n<h2>Matched canaries</h2>\n");
        if (matches.Count == 0)
        {
            html.Append("<p id=\"no-matches\">No registered canary phrase was found in the recent answers.</p>\n");
        }

        foreach (CanaryMatch m in matches)
        {
            html.Append("<div class=\"match\"><p class=\"muted\">Topic <code>").Append(E(m.Topic)).Append("</code> (epoch ").Append(E(m.Epoch)).Append("), candidate #")
                .Append(m.CandidateIndex.ToString(CultureInfo.InvariantCulture)).Append(" &ldquo;").Append(E(m.Phrase)).Append("&rdquo;, run ").Append(E(m.RunId))
                .Append(", transcript <code>").Append(E(m.TranscriptName[..Math.Min(16, m.TranscriptName.Length)])).Append("…</code></p><blockquote>")
                .Append(E(m.Before)).Append("<mark>").Append(E(m.Matched)).Append("</mark>").Append(E(m.After)).Append("</blockquote></div>\n");
        }

        html.Append("<h2>Recent probe runs</h2>\n<table id=\"runs-table\"><thead><tr><th>run</th><th>started</th><th>status</th><th>requests</th><th>answers</th><th>failures</th><th>errors</th></tr></thead><tbody>\n");
        foreach (ProbeRunRecord r in runs)
        {
            html.Append("<tr><td>").Append(E(r.RunId)).Append("</td><td>").Append(E(r.StartedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture))).Append("</td><td>")
                .Append(E(r.Status.ToString())).Append("</td><td>").Append(r.Requests.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(r.Answers.ToString(CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(r.Failures.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(E(string.Join("; ", r.Errors))).Append("</td></tr>\n");
        }

        html.Append("</tbody></table>\n");

        // Lineage: the competitor's style against every sampled model, for distillation before any mark. The
        // competitor's lineage samples are stored under its name (the probe timer asks it the lineage prompts).
        string lineageModel = Uri.EscapeDataString(evidence.Competitor);
        html.Append("<h2>Lineage</h2>\n<p id=\"lineage\">Which models this competitor writes like, with intervals, from its answers to the lineage prompts: <a href=\"../../lineage/models/")
            .Append(E(lineageModel)).Append("\">its nearest models</a> and <a href=\"../../lineage/report\">the lineage report</a> (heatmap and tree over every sampled model).</p>\n");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void AppendChart(StringBuilder html, CompetitorEvidence evidence)
    {
        // y: log10 of the e-value, from 10^-2 up to past the threshold; x: ledger sequence (one step per row).
        double threshold = Math.Log10(1 / evidence.Alpha);
        EvidencePoint[] all = [.. evidence.Series.SelectMany(s => s.Timeline)];
        double yMax = Math.Max(threshold + 1, all.Length == 0 ? 0 : all.Max(p => Log10E(p.EValue)) + 0.5);
        double yMin = Math.Min(-2, all.Length == 0 ? 0 : all.Min(p => Log10E(p.EValue)) - 0.5);
        long xMin = all.Length == 0 ? 0 : all.Min(p => p.Sequence);
        long xMax = all.Length == 0 ? 1 : Math.Max(xMin + 1, all.Max(p => p.Sequence));
        double plotW = Width - Left - Right;
        double plotH = Height - Top - Bottom;
        double X(long seq) => Left + ((seq - xMin) * plotW / (xMax - xMin));
        double Y(double logE) => Top + ((yMax - logE) * plotH / (yMax - yMin));

        html.Append("<svg id=\"evidence-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(Width).Append("\" height=\"").Append(Height)
            .Append("\" viewBox=\"0 0 ").Append(Width).Append(' ').Append(Height).Append("\" role=\"img\" aria-label=\"log10 e-value over the ledger sequence\">\n")
            .Append("<rect x=\"0\" y=\"0\" width=\"").Append(Width).Append("\" height=\"").Append(Height).Append("\" fill=\"#fff\"/>\n");
        for (int tick = (int)Math.Ceiling(yMin); tick <= (int)Math.Floor(yMax); tick += Math.Max(1, (int)((yMax - yMin) / 8)))
        {
            html.Append("<line x1=\"").Append(Left).Append("\" x2=\"").Append(Width - Right).Append("\" y1=\"").Append(N(Y(tick))).Append("\" y2=\"").Append(N(Y(tick)))
                .Append("\" stroke=\"#eee\"/><text x=\"").Append(Left - 6).Append("\" y=\"").Append(N(Y(tick) + 4)).Append("\" font-size=\"11\" text-anchor=\"end\">1e")
                .Append(tick.ToString(CultureInfo.InvariantCulture)).Append("</text>\n");
        }

        html.Append("<line x1=\"").Append(Left).Append("\" x2=\"").Append(Width - Right).Append("\" y1=\"").Append(N(Y(threshold))).Append("\" y2=\"").Append(N(Y(threshold)))
            .Append("\" stroke=\"#b00020\" stroke-dasharray=\"6 4\"/><text x=\"").Append(Width - Right + 6).Append("\" y=\"").Append(N(Y(threshold) + 4))
            .Append("\" font-size=\"11\" fill=\"#b00020\">1/&#945; threshold</text>\n")
            .Append("<line x1=\"").Append(Left).Append("\" x2=\"").Append(Left).Append("\" y1=\"").Append(Top).Append("\" y2=\"").Append(Height - Bottom).Append("\" stroke=\"#444\"/>")
            .Append("<line x1=\"").Append(Left).Append("\" x2=\"").Append(Width - Right).Append("\" y1=\"").Append(Height - Bottom).Append("\" y2=\"").Append(Height - Bottom).Append("\" stroke=\"#444\"/>")
            .Append("<text x=\"").Append(Left + (plotW / 2)).Append("\" y=\"").Append(Height - 8).Append("\" font-size=\"12\" text-anchor=\"middle\">ledger row</text>\n");

        int i = 0;
        foreach (EvidenceSeries s in evidence.Series)
        {
            string color = Colors[i % Colors.Length];
            string points = string.Join(' ', s.Timeline.Select(p => N(X(p.Sequence)) + "," + N(Y(Log10E(p.EValue)))));
            html.Append("<polyline class=\"series\" fill=\"none\" stroke=\"").Append(color).Append("\" stroke-width=\"2\" points=\"").Append(points).Append("\"/>\n");
            foreach (EvidencePoint p in s.Timeline)
            {
                html.Append("<circle cx=\"").Append(N(X(p.Sequence))).Append("\" cy=\"").Append(N(Y(Log10E(p.EValue)))).Append("\" r=\"3\" fill=\"").Append(color).Append("\"><title>")
                    .Append(E($"{s.Family} {s.KeyId} run {p.RunId}: n={p.N}, matches={p.Matches}, p={F(p.PValue)}, e={F(p.EValue)}")).Append("</title></circle>\n");
            }

            html.Append("<text x=\"").Append(Width - Right + 6).Append("\" y=\"").Append(Top + 14 + (i * 16)).Append("\" font-size=\"12\" fill=\"").Append(color).Append("\">")
                .Append(E(s.Family + " / " + s.KeyId)).Append("</text>\n");
            i++;
        }

        html.Append("</svg>\n");
    }

    private static double Log10E(double e) => e switch
    {
        double.PositiveInfinity => 300,
        <= 0 or double.NaN => -6,
        _ => Math.Clamp(Math.Log10(e), -6, 300),
    };

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
