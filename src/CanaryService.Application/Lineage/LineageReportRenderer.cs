using System.Globalization;
using System.Net;
using System.Text;
using CanaryService.Core.Lineage;

namespace CanaryService.Application.Lineage;

/// <summary>
/// Renders a lineage analysis as one self-contained HTML page: the similarity matrix as an inline SVG heatmap (rows
/// in tree order, each cell's tooltip naming the n-grams both models over-use), the average-linkage tree as an inline
/// SVG dendrogram, each model's nearest neighbours with their intervals and shared n-grams, and the closest pairs. No script, style sheet, font or image from outside.
/// </summary>
public static class LineageReportRenderer
{
    private const int Cell = 16;
    private const int LabelWidth = 230;
    private const int TopPairs = 40;

    /// <summary>Renders <paramref name="analysis"/>; <paramref name="generatedAt"/> is printed in the header.</summary>
    public static string Render(LineageAnalysis analysis, DateTimeOffset generatedAt)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        LineageTree tree = LineageClustering.AverageLinkage(analysis);
        StringBuilder html = new(65_536);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Lineage fingerprint</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1{margin:0 0 4px}table{border-collapse:collapse;margin:12px 0}")
            .Append("th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;font-size:13px;vertical-align:top}th{background:#f3f3f3}")
            .Append(".muted{color:#666;font-size:13px}.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px}")
            .Append(".row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}")
            .Append("</style></head><body>\n<h1>Lineage fingerprint</h1>\n<p class=\"muted\">")
            .Append(analysis.Models.Count.ToString(CultureInfo.InvariantCulture)).Append(" models, ")
            .Append(analysis.Pairs.Count.ToString(CultureInfo.InvariantCulture)).Append(" compared pairs; intervals: ")
            .Append(P(analysis.ConfidenceLevel)).Append(" bootstrap percentile over prompts, ")
            .Append(analysis.BootstrapReplicates.ToString(CultureInfo.InvariantCulture)).Append(" replicates, seed ")
            .Append(analysis.Seed.ToString(CultureInfo.InvariantCulture)).Append(". Generated ")
            .Append(E(generatedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture))).Append(".</p>\n<p class=\"muted\">")
            .Append("Similarity is the split-half cosine of two models' over-use vectors (z-scored log-odds of each word and word pair against the ")
            .Append("other models on the same prompts). A high similarity says two models over-use the same words: evidence of a shared lineage ")
            .Append("(shared training data, shared instruction tuning, or one distilled from the other), not proof of distillation or of its direction.</p>\n");

        html.Append("<div class=\"row\">\n<div><h2>Similarity matrix</h2>\n");
        AppendHeatmap(html, analysis, tree);
        html.Append("</div>\n<div><h2>Tree (average linkage on 1 &minus; similarity)</h2>\n");
        AppendDendrogram(html, tree);
        html.Append("</div>\n</div>\n");

        html.Append("<h2>Nearest neighbours</h2>\n<table id=\"neighbours-table\"><thead><tr><th>model</th><th class=\"num\">samples</th><th>nearest</th>")
            .Append("<th class=\"num\">similarity</th><th>interval</th><th>second</th><th class=\"num\">similarity</th><th>interval</th><th>shared with the nearest</th><th>most over-used n-grams</th></tr></thead><tbody>\n");
        foreach (LineageModel model in analysis.Models)
        {
            IReadOnlyList<LineageNeighbour> neighbours = analysis.NeighboursOf(model.Model);
            html.Append("<tr><td>").Append(E(model.Model)).Append("</td><td class=\"num\">").Append(model.Samples.ToString(CultureInfo.InvariantCulture)).Append("</td>");
            for (int i = 0; i < 2; i++)
            {
                if (i < neighbours.Count)
                {
                    LineageNeighbour n = neighbours[i];
                    html.Append("<td>").Append(E(n.Model)).Append("</td><td class=\"num\">").Append(S(n.Similarity)).Append("</td><td>[")
                        .Append(S(n.Low)).Append(", ").Append(S(n.High)).Append("]</td>");
                }
                else
                {
                    html.Append("<td colspan=\"3\" class=\"muted\">no model with enough shared prompts</td>");
                }
            }

            IReadOnlyList<string> shared = neighbours.Count > 0 ? analysis.Pair(model.Model, neighbours[0].Model)?.Drivers ?? [] : [];
            html.Append("<td><code>").Append(E(string.Join(" · ", shared.Take(5)))).Append("</code></td><td><code>")
                .Append(E(string.Join(" · ", model.TopNGrams.Take(6)))).Append("</code></td></tr>\n");
        }

        html.Append("</tbody></table>\n<h2>Closest pairs and the n-grams both over-use</h2>\n<table id=\"pairs-table\"><thead><tr><th>model</th><th>model</th>")
            .Append("<th class=\"num\">similarity</th><th>interval</th><th class=\"num\">shared prompts</th><th>shared over-used n-grams</th></tr></thead><tbody>\n");
        foreach (LineagePair pair in analysis.Pairs.OrderByDescending(p => p.Similarity).Take(TopPairs))
        {
            html.Append("<tr><td>").Append(E(pair.ModelA)).Append("</td><td>").Append(E(pair.ModelB)).Append("</td><td class=\"num\">").Append(S(pair.Similarity))
                .Append("</td><td>[").Append(S(pair.Low)).Append(", ").Append(S(pair.High)).Append("]</td><td class=\"num\">")
                .Append(pair.SharedPrompts.ToString(CultureInfo.InvariantCulture)).Append("</td><td><code>").Append(E(string.Join(" · ", pair.Drivers)))
                .Append("</code></td></tr>\n");
        }

        if (analysis.Pairs.Count == 0)
        {
            html.Append("<tr><td colspan=\"6\">No two models share enough prompts yet.</td></tr>\n");
        }

        html.Append("</tbody></table>\n</body></html>\n");
        return html.ToString();
    }

    private static void AppendHeatmap(StringBuilder html, LineageAnalysis analysis, LineageTree tree)
    {
        int n = tree.LeafOrder.Count;
        int size = LabelWidth + (n * Cell) + 8;
        html.Append("<svg id=\"lineage-heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(size).Append("\" height=\"").Append(size)
            .Append("\" viewBox=\"0 0 ").Append(size).Append(' ').Append(size).Append("\" role=\"img\" aria-label=\"pairwise similarity\" font-size=\"11\">\n");
        for (int r = 0; r < n; r++)
        {
            string model = tree.Models[tree.LeafOrder[r]];
            int y = LabelWidth + (r * Cell);
            html.Append("<text x=\"").Append(LabelWidth - 4).Append("\" y=\"").Append(y + Cell - 4).Append("\" text-anchor=\"end\">").Append(E(Short(model))).Append("</text>")
                .Append("<text transform=\"translate(").Append(LabelWidth + (r * Cell) + Cell - 4).Append(',').Append(LabelWidth - 4).Append(") rotate(-90)\">")
                .Append(E(Short(model))).Append("</text>\n");
            for (int c = 0; c < n; c++)
            {
                string other = tree.Models[tree.LeafOrder[c]];
                LineagePair? pair = r == c ? null : analysis.Pair(model, other);
                string fill = r == c ? "#333" : pair is null ? "#eee" : Color(pair.Similarity);
                html.Append("<rect class=\"cell\" x=\"").Append(LabelWidth + (c * Cell)).Append("\" y=\"").Append(y).Append("\" width=\"").Append(Cell).Append("\" height=\"")
                    .Append(Cell).Append("\" fill=\"").Append(fill).Append("\" stroke=\"#fff\" stroke-width=\"0.5\">");
                if (pair is not null)
                {
                    html.Append("<title>").Append(E($"{model} ~ {other}: {S(pair.Similarity)} [{S(pair.Low)}, {S(pair.High)}], {pair.SharedPrompts} prompts; both over-use: {string.Join(", ", pair.Drivers.Take(5))}")).Append("</title>");
                }

                html.Append("</rect>");
            }

            html.Append('\n');
        }

        html.Append("</svg>\n<p class=\"muted\">White: similarity &le; 0; dark blue: 1; grey: too few shared prompts.</p>\n");
    }

    private static void AppendDendrogram(StringBuilder html, LineageTree tree)
    {
        int n = tree.LeafOrder.Count;
        const int Plot = 320;
        int width = Plot + LabelWidth + 20;
        int height = (n * Cell) + 40;
        double maxDistance = Math.Max(1e-9, tree.Merges.Count == 0 ? 1 : tree.Merges.Max(m => m.Distance));
        double X(double distance) => 10 + (Plot * (1 - (distance / maxDistance)));
        double[] y = new double[n + tree.Merges.Count];
        double[] x = new double[n + tree.Merges.Count];
        for (int r = 0; r < n; r++)
        {
            y[tree.LeafOrder[r]] = 10 + (r * Cell) + (Cell / 2.0);
            x[tree.LeafOrder[r]] = X(0);
        }

        html.Append("<svg id=\"lineage-tree\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(width).Append("\" height=\"").Append(height)
            .Append("\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height).Append("\" role=\"img\" aria-label=\"average-linkage dendrogram\" font-size=\"11\">\n");
        for (int m = 0; m < tree.Merges.Count; m++)
        {
            LineageMerge merge = tree.Merges[m];
            int node = n + m;
            x[node] = X(merge.Distance);
            y[node] = (y[merge.Left] + y[merge.Right]) / 2;
            html.Append("<path class=\"branch\" fill=\"none\" stroke=\"#1f4e79\" d=\"M").Append(N(x[merge.Left])).Append(',').Append(N(y[merge.Left]))
                .Append(" H").Append(N(x[node])).Append(" V").Append(N(y[merge.Right])).Append(" H").Append(N(x[merge.Right])).Append("\"><title>")
                .Append(E("similarity " + S(1 - merge.Distance))).Append("</title></path>\n");
        }

        for (int r = 0; r < n; r++)
        {
            html.Append("<text x=\"").Append(N(X(0) + 6)).Append("\" y=\"").Append(N(10 + (r * Cell) + Cell - 4)).Append("\">").Append(E(Short(tree.Models[tree.LeafOrder[r]]))).Append("</text>\n");
        }

        int axisY = 10 + (n * Cell) + 14;
        html.Append("<line x1=\"").Append(N(X(maxDistance))).Append("\" x2=\"").Append(N(X(0))).Append("\" y1=\"").Append(axisY - 10).Append("\" y2=\"").Append(axisY - 10).Append("\" stroke=\"#444\"/>")
            .Append("<text x=\"").Append(N(X(maxDistance))).Append("\" y=\"").Append(axisY + 2).Append("\">similarity ").Append(S(1 - maxDistance)).Append("</text>")
            .Append("<text x=\"").Append(N(X(0))).Append("\" y=\"").Append(axisY + 2).Append("\" text-anchor=\"end\">1</text>\n</svg>\n");
    }

    // White at similarity <= 0 to dark blue at 1.
    private static string Color(double similarity)
    {
        double t = Math.Clamp(similarity, 0, 1);
        int r = (int)Math.Round(255 - (t * (255 - 8)));
        int g = (int)Math.Round(255 - (t * (255 - 48)));
        int b = (int)Math.Round(255 - (t * (255 - 107)));
        return string.Create(CultureInfo.InvariantCulture, $"#{r:x2}{g:x2}{b:x2}");
    }

    private static string Short(string model) => model.Length <= 34 ? model : model[..33] + "…";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string S(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string P(double value) => value.ToString("0.##%", CultureInfo.InvariantCulture);

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
