using System.Net.Http.Json;
using System.Text.Json;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Admin;

internal static class AdminTestSupport
{
    public static async Task<JsonElement> GetJsonAsync(this AuthSession session, string path)
    {
        var response = await session.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static IEnumerable<JsonElement> Items(this JsonElement page) => page.GetProperty("items").EnumerateArray();

    /// <summary>Polls until the page has an item matching <paramref name="match"/> (the operations log is written in the background).</summary>
    public static async Task<JsonElement> WaitForItemAsync(this AuthSession session, string path, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var page = await session.GetJsonAsync(path);
            foreach (var item in page.Items())
            {
                if (match(item))
                {
                    return item;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No matching item in {path}: {page}");
            }

            await Task.Delay(200);
        }
    }

    public static async Task<HttpResponseMessage> PostJsonAsync(this AuthSession session, string path, object? body = null)
        => body is null ? await session.Client.PostAsync(path, null) : await session.Client.PostAsJsonAsync(path, body);
}
