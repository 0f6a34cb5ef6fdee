using System.Collections;
using System.Reflection;

namespace CanaryService.Deployment.Tests.Settings;

/// <summary>One configuration key the code reads: <c>Section:Property</c> (lists at index 0), with its default.</summary>
/// <param name="Key">The configuration key, e.g. <c>Probe:Competitors:0:Name</c>.</param>
/// <param name="Type">The property type the value binds to.</param>
/// <param name="Default">The value when the key is absent (null when there is none).</param>
public sealed record SettingKey(string Key, Type Type, object? Default)
{
    /// <summary>The name as an environment variable or app setting: <c>:</c> becomes <c>__</c>.</summary>
    public string EnvironmentName => Key.Replace(":", "__", StringComparison.Ordinal);

    public override string ToString() => Key;
}

/// <summary>
/// Enumerates, by reflection, every setting of every public options class (a class with a
/// <c>public const string SectionName</c>) in the service's assemblies, the way the configuration binder reads them.
/// </summary>
public static class SettingKeys
{
    /// <summary>The assemblies whose options the hosts bind.</summary>
    public static readonly string[] AssemblyNames = ["CanaryService.Core", "CanaryService.Storage", "CanaryService.Application"];

    public static IReadOnlyList<Type> OptionsTypes() =>
        AssemblyNames.Select(Assembly.Load)
            .SelectMany(a => a.GetExportedTypes())
            .Where(t => t.IsClass && SectionOf(t) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();

    /// <summary>Every setting once (two options classes may bind the same section, e.g. the engine's and a host's).</summary>
    public static IReadOnlyList<SettingKey> All() =>
        OptionsTypes().SelectMany(t => Enumerate(SectionOf(t)!, t)).DistinctBy(s => s.Key, StringComparer.Ordinal).ToList();

    public static string? SectionOf(Type type) =>
        type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
            && field.FieldType == typeof(string)
            ? (string?)field.GetRawConstantValue()
            : null;

    private static IEnumerable<SettingKey> Enumerate(string prefix, Type type)
    {
        object? defaults = type.GetConstructor(Type.EmptyTypes)?.Invoke(null);
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod?.IsPublic != true)
            {
                continue;
            }

            string key = $"{prefix}:{property.Name}";
            Type propertyType = property.PropertyType;
            bool settable = property.SetMethod?.IsPublic == true;
            if (IsScalar(propertyType))
            {
                // The binder only writes scalars through a public setter.
                if (settable)
                {
                    yield return new SettingKey(key, propertyType, defaults is null ? null : property.GetValue(defaults));
                }

                continue;
            }

            if (typeof(IDictionary).IsAssignableFrom(propertyType) || IsGeneric(propertyType, typeof(IDictionary<,>)) || IsGeneric(propertyType, typeof(IReadOnlyDictionary<,>)))
            {
                throw new NotSupportedException($"{key}: dictionary settings have no fixed keys; decide how to deploy and document them, then teach this test.");
            }

            if (ElementType(propertyType) is { } element)
            {
                // Lists (get-only ones included: the binder adds to them) are checked at index 0.
                foreach (SettingKey setting in IsScalar(element)
                    ? [new SettingKey($"{key}:0", element, null)]
                    : Enumerate($"{key}:0", element))
                {
                    yield return setting;
                }

                continue;
            }

            foreach (SettingKey setting in Enumerate(key, propertyType))
            {
                yield return setting;
            }
        }
    }

    private static bool IsScalar(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(Uri)
            || t == typeof(TimeSpan) || t == typeof(DateTime) || t == typeof(DateTimeOffset) || t == typeof(Guid);
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        Type? enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private static bool IsGeneric(Type type, Type definition) =>
        (type.IsGenericType && type.GetGenericTypeDefinition() == definition)
        || type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);
}
