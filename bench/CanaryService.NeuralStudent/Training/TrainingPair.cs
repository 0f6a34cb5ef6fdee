using System.Text.Json;

namespace CanaryService.NeuralStudent.Training;

/// <summary>One training example: a prompt and the answer the student learns to give.</summary>
internal sealed record TrainingPair(string Prompt, string Answer)
{
    /// <summary>Reads JSON lines with "prompt" and "answer"; blank lines are skipped.</summary>
    /// <exception cref="InvalidDataException">A line is not such an object.</exception>
    public static List<TrainingPair> Load(string path)
    {
        var pairs = new List<TrainingPair>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using JsonDocument document = JsonDocument.Parse(line);
                string? prompt = document.RootElement.GetProperty("prompt").GetString();
                string? answer = document.RootElement.GetProperty("answer").GetString();
                pairs.Add(new TrainingPair(prompt ?? "", answer ?? ""));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}:{number}: not a JSON object with string \"prompt\" and \"answer\".", ex);
            }
        }

        return pairs.Count > 0 ? pairs : throw new InvalidDataException($"{path} holds no training pairs.");
    }
}
