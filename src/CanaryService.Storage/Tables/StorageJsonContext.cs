using System.Text.Json.Serialization;

namespace CanaryService.Storage.Tables;

/// <summary>Source-generated JSON for the string lists and sketches stored in table properties (works with reflection disabled or trimmed).</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(CanaryService.Storage.Traffic.TrafficSketches))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
