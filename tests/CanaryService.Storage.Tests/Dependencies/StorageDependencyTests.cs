using System.Reflection;

namespace CanaryService.Storage.Tests.Dependencies;

/// <summary>The storage library is what a deployment runs: no web framework and no emulator launcher in it.</summary>
public sealed class StorageDependencyTests
{
    [Fact]
    public void The_storage_assembly_references_no_ASP_NET_Core_and_holds_no_emulator()
    {
        Assembly storage = typeof(StorageOptions).Assembly;

        string[] web = [.. storage.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal))];
        Assert.Empty(web);
        Assert.DoesNotContain(storage.GetTypes(), t => t.Name.Contains("Azurite", StringComparison.Ordinal));
    }
}
