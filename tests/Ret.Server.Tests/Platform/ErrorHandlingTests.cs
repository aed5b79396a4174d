using System.Net;
using System.Text.Json;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Platform;

public sealed class ErrorHandlingTests(RetApiFactory factory) : IClassFixture<RetApiFactory>
{
    [Fact]
    public async Task Unknown_api_route_is_a_problem_details_404_with_the_request_trace_id()
    {
        var response = await factory.CreateClient().GetAsync("/api/no-such-thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(404, body.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("title").GetString()));
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-ID"));
        Assert.Equal(requestId, body.RootElement.GetProperty("traceId").GetString());
    }

    [Fact]
    public async Task Unknown_api_route_with_a_write_method_is_also_404_not_the_spa()
    {
        var response = await factory.CreateClient().PostAsync("/api/no-such-thing", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Well_formed_request_id_is_echoed_and_becomes_the_trace_id()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/missing");
        request.Headers.Add("X-Request-ID", "client-req-42");

        var response = await factory.CreateClient().SendAsync(request);

        Assert.Equal("client-req-42", Assert.Single(response.Headers.GetValues("X-Request-ID")));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("client-req-42", body.RootElement.GetProperty("traceId").GetString());
    }

    [Theory]
    [InlineData("has spaces")]
    [InlineData("<script>")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Malformed_request_id_is_replaced_not_reflected(string bad)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.TryAddWithoutValidation("X-Request-ID", bad);

        var response = await factory.CreateClient().SendAsync(request);

        var echoed = Assert.Single(response.Headers.GetValues("X-Request-ID"));
        Assert.NotEqual(bad, echoed);
        Assert.Matches("^[0-9a-f]{32}$", echoed);
    }

    [Theory]
    [InlineData("TRACE")]
    [InlineData("TRACK")]
    public async Task Trace_methods_are_refused_with_405(string method)
    {
        var response = await factory.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), "/"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("TRACE /", body, StringComparison.Ordinal);
    }
}
