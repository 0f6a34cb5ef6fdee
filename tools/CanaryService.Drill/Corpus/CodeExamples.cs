using System.Text;

namespace CanaryService.Drill.Corpus;

/// <summary>Short fenced code examples for programming topics; identifiers are derived from the topic.</summary>
internal static class CodeExamples
{
    public static string DisplayName(string language) => language switch
    {
        "python" => "Python",
        "javascript" => "JavaScript",
        "sql" => "SQL",
        "csharp" => "C#",
        "bash" => "Bash",
        _ => language,
    };

    public static string Write(Random random, string language, string topic)
    {
        string snake = Identifier(topic, '_');
        string camel = Camel(snake);
        int limit = 10 * (1 + random.Next(9));
        string body = language switch
        {
            "python" => random.Next(2) == 0
                ? $"def apply_{snake}(items, limit={limit}):\n    \"\"\"Apply {topic} to at most `limit` items.\"\"\"\n    results = []\n    for item in items[:limit]:\n        if item is None:\n            continue\n        results.append(transform(item))\n    return results\n"
                : $"from dataclasses import dataclass\n\n@dataclass\nclass {Pascal(snake)}Config:\n    enabled: bool = True\n    retries: int = {limit % 7 + 1}\n\ndef run(config: {Pascal(snake)}Config) -> None:\n    if not config.enabled:\n        return\n    print(f\"running with {{config.retries}} retries\")\n",
            "javascript" => $"function {camel}(element, options = {{}}) {{\n  const limit = options.limit ?? {limit};\n  if (!element) return null;\n  element.dataset.{camel} = String(limit);\n  return element;\n}}\n",
            "sql" => $"CREATE INDEX ix_{snake} ON orders (customer_id, created_at);\n\nSELECT customer_id, COUNT(*) AS total\nFROM orders\nWHERE created_at >= NOW() - INTERVAL '{limit} days'\nGROUP BY customer_id\nORDER BY total DESC;\n",
            "csharp" => $"public sealed class {Pascal(snake)}Handler(ILogger<{Pascal(snake)}Handler> logger)\n{{\n    public async Task HandleAsync(Order order, CancellationToken ct)\n    {{\n        ArgumentNullException.ThrowIfNull(order);\n        logger.LogInformation(\"Handling order {{Id}}\", order.Id);\n        await Task.Delay({limit}, ct);\n    }}\n}}\n",
            _ => $"#!/usr/bin/env bash\nset -euo pipefail\n# {topic}: check the last {limit} entries\njournalctl -n {limit} --no-pager | grep -i \"{snake}\" || echo \"nothing found\"\n",
        };
        return $"```{language}\n{body}```";
    }

    private static string Identifier(string topic, char separator)
    {
        var id = new StringBuilder();
        foreach (char c in topic.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                id.Append(c);
            }
            else if (id.Length > 0 && id[^1] != separator)
            {
                id.Append(separator);
            }
        }

        return id.ToString().Trim(separator);
    }

    private static string Camel(string snake)
    {
        string pascal = Pascal(snake);
        return char.ToLowerInvariant(pascal[0]) + pascal[1..];
    }

    private static string Pascal(string snake) =>
        string.Concat(snake.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
