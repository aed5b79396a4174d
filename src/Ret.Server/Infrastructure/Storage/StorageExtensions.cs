using Microsoft.AspNetCore.DataProtection;
using Ret.Server.Infrastructure.Hosting;

namespace Ret.Server.Infrastructure.Storage;

public static class StorageExtensions
{
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<StorageOptions>(StorageOptions.Section);
        builder.Services.AddSingleton<RuntimePaths>();

        // Data-protection keys (antiforgery, protected cookies) live beside the data they protect, so every node
        // that shares the storage root shares the keys and a restart does not invalidate them.
        var runtime = builder.Configuration.GetValidated<RuntimeOptions>(RuntimeOptions.Section);
        var storage = builder.Configuration.GetValidated<StorageOptions>(StorageOptions.Section);
        var root = string.IsNullOrWhiteSpace(storage.Root) ? Path.Combine(runtime.FullRoot, "storage") : Path.GetFullPath(storage.Root);
        builder.Services.AddDataProtection()
            .SetApplicationName("ret")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(root, "keys", "data-protection")));
        return builder;
    }
}
